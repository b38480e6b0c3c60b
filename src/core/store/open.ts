import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MpegflowError } from '../errors.ts';
import type { AreaSchema } from './migration.ts';
import { allSchemas } from './schemas.ts';
import { stateFile } from './paths.ts';

export type Db = Database.Database;

export interface OpenStoreOptions {
  /** Path of the state file; defaults to stateFile(). */
  file?: string;
  /** How long a writer waits for another process's lock before failing (ms). */
  busyTimeoutMs?: number;
  schemas?: AreaSchema[];
}

const DEFAULT_BUSY_TIMEOUT_MS = 30_000;

/**
 * Opens (creating if needed) the state database: directory 0700, file 0600
 * whatever the umask, WAL journal, a busy timeout so overlapping cron runs
 * wait for each other, and every area's pending migrations applied.
 */
export function openStore(options: OpenStoreOptions = {}): Db {
  const file = options.file ?? stateFile();
  ensurePrivateFile(file);
  let db: Db;
  try {
    db = new Database(file, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  } catch (error) {
    throw storeError(file, error);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, options.schemas ?? allSchemas);
    restrictSidecars(file);
    return db;
  } catch (error) {
    db.close();
    throw storeError(file, error);
  }
}

function ensurePrivateFile(file: string): void {
  const dir = path.dirname(file);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if ((statSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
    if ((statSync(file).mode & 0o777) !== 0o600) chmodSync(file, 0o600);
  } catch (error) {
    throw storeError(file, error);
  }
}

/** WAL and shared-memory files carry the same data as the database: same permissions. */
function restrictSidecars(file: string): void {
  for (const suffix of ['-wal', '-shm']) {
    const sidecar = file + suffix;
    try {
      if (existsSync(sidecar) && (statSync(sidecar).mode & 0o777) !== 0o600) chmodSync(sidecar, 0o600);
    } catch {
      // another process may own or have just removed it; the directory is 0700 either way
    }
  }
}

function migrate(db: Db, schemas: AreaSchema[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    area TEXT NOT NULL,
    version INTEGER NOT NULL,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (area, version)
  )`);
  const applied = db.prepare<[string], { version: number }>(
    'SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations WHERE area = ?',
  );
  const pending = schemas.some((s) => s.migrations.some((m) => m.version > applied.get(s.area)!.version));
  if (!pending) return;
  const record = db.prepare('INSERT INTO schema_migrations (area, version, description, applied_at) VALUES (?, ?, ?, ?)');
  // IMMEDIATE: two processes opening a new file at once migrate one after the other.
  db.transaction(() => {
    for (const schema of schemas) {
      const current = applied.get(schema.area)!.version;
      for (const migration of [...schema.migrations].sort((a, b) => a.version - b.version)) {
        if (migration.version <= current) continue;
        migration.up(db);
        record.run(schema.area, migration.version, migration.description, new Date().toISOString());
      }
    }
  }).immediate();
}

/** SQLite says only "unable to open" for a read-only file system or folder; ask the file system why. */
function probeWritable(file: string): string | undefined {
  for (const target of [file, path.dirname(file)]) {
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return code;
    }
  }
  return undefined;
}

export function storeError(file: string, error: unknown): MpegflowError {
  let code = (error as { code?: string }).code ?? '';
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_IOERR')) code = probeWritable(file) ?? code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/i.test(message)) {
    return new MpegflowError(`the state file ${file} is damaged and cannot be read`, {
      code: 'STATE_CORRUPT',
      suggestion: `move it aside (mv ${file} ${file}.damaged) and re-add endpoints, or restore it from backup; MpegFlow left it untouched`,
      cause: error,
    });
  }
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new MpegflowError(`the state file ${file} is not writable (${message})`, {
      code: 'STATE_READONLY',
      suggestion: `check the permissions of ${path.dirname(file)} and ${file}, or point MPEGFLOW_HOME at a writable folder`,
      cause: error,
    });
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new MpegflowError(`the state file ${file} stayed locked by another mpegflow process`, {
      code: 'STATE_LOCKED',
      suggestion: 'wait for the other mpegflow command to finish (see `ps -ef | grep mpegflow`) and run this again',
      cause: error,
    });
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new MpegflowError(`no space left to write the state file ${file}`, {
      code: 'STATE_DISK_FULL',
      suggestion: `free space on the file system that holds ${path.dirname(file)}; nothing already stored was changed`,
      cause: error,
    });
  }
  return new MpegflowError(`cannot open the state file ${file}: ${message}`, { code: 'STATE_ERROR', kind: 'external', cause: error });
}
