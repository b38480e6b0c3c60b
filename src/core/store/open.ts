import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MpegflowError } from '../errors.ts';
import { makeTempFolder } from '../temp-folders.ts';
import { forDialect, latestVersion, usableFrom, type AreaSchema } from './migration.ts';
import { allSchemas } from './schemas.ts';
import { stateFile } from './paths.ts';
import type { Sql } from './sql.ts';
import { SqliteSql } from './sqlite.ts';
import { probeWritable, storeError } from './sqlite-errors.ts';

export { storeError };

export type Db = Sql;

export interface OpenStoreOptions {
  /** Path of the SQLite state file; defaults to stateFile(). */
  file?: string;
  /** A postgres:// URL: the shared store of an encoder pool. Defaults to $MPEGFLOW_DATABASE_URL; SQLite when unset. */
  databaseUrl?: string;
  /** How long a writer waits for another process's lock before failing (ms). */
  busyTimeoutMs?: number;
  schemas?: AreaSchema[];
  /** Adjusts the store's clock (tests move time forward). */
  clock?: (storeNowMs: number) => number;
  /**
   * `auto` (default): SQLite applies pending migrations; a pool's shared
   * PostgreSQL schema is created when new, but an older one is upgraded only
   * by `mpegflow db migrate` (`always`), so one host's upgrade never changes
   * the schema under the others unannounced. `never`: open as it is.
   */
  migrate?: 'auto' | 'always' | 'never';
}

const DEFAULT_BUSY_TIMEOUT_MS = 30_000;
/** PRAGMA application_id of every MpegFlow state file ("MPFL"), so another program's database is never written into. */
export const APPLICATION_ID = 0x4d50464c;

/** The PostgreSQL URL in force, if any. */
export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.MPEGFLOW_DATABASE_URL?.trim() || undefined;
}

/**
 * Opens the store, migrated: PostgreSQL when MPEGFLOW_DATABASE_URL is set
 * (an encoder pool), else the SQLite state file (directory 0700, file 0600,
 * WAL, a busy timeout so overlapping cron runs wait for each other).
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Db> {
  const url = options.databaseUrl ?? (options.file ? undefined : databaseUrl());
  const db = url ? await openPostgres(url, options) : openSqlite(options.file ?? stateFile(), options);
  try {
    if (options.migrate !== 'never') await migrate(db, options.schemas ?? allSchemas, options.migrate ?? 'auto');
    return db;
  } catch (error) {
    await db.close();
    throw db.dialect === 'sqlite' ? storeError(db.location, error) : error;
  }
}

async function openPostgres(url: string, options: OpenStoreOptions): Promise<Db> {
  const { PostgresSql } = await import('./postgres.ts');
  return new PostgresSql(url, { clock: options.clock });
}

function openSqlite(file: string, options: OpenStoreOptions): Db {
  ensurePrivateFile(file);
  // a state file or folder the operator made read-only is opened read-only: reading works, a write says why it cannot
  const readonly = probeWritable(file) !== undefined;
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS, readonly, fileMustExist: readonly });
  } catch (error) {
    throw storeError(file, error);
  }
  try {
    claimFile(db, file, readonly);
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    // better-sqlite3 builds SQLite with a 16 MB page cache: a quarter of `job submit`'s peak memory at 100k
    // sources, for no speed (bench/scale.ts). 8 MB still holds the job-key index of 100k jobs.
    db.pragma('cache_size = -8000');
    restrictSidecars(file);
    return new SqliteSql(db, file, options.clock);
  } catch (error) {
    db.close();
    if (readonly && (error as { code?: string }).code === 'SQLITE_READONLY_DIRECTORY') return openCopy(file, options);
    throw storeError(file, error);
  }
}

/**
 * SQLite reads a WAL database only where it can make the database's -shm
 * file. In a read-only folder (a backup on read-only media, a folder the
 * operator locked) the state is read from a copy in a private temporary
 * folder, removed on exit; a write says the state file is not writable, as it
 * would for a read-only file.
 */
function openCopy(file: string, options: OpenStoreOptions): Db {
  const { folder, release } = makeTempFolder('mpegflow-state-');
  const copy = path.join(folder, path.basename(file));
  try {
    copyFileSync(file, copy);
    // committed but not yet checkpointed transactions live in the -wal file
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
    const db = new Database(copy, { readonly: true, fileMustExist: true });
    claimFile(db, file, true);
    db.pragma('foreign_keys = ON');
    return new SqliteSql(db, file, options.clock);
  } catch (error) {
    release();
    throw storeError(file, error);
  }
}

/** A new file becomes ours; one written by an earlier MpegFlow (schema_migrations, no id yet) is marked; anything else is refused untouched. */
function claimFile(db: Database.Database, file: string, readonly: boolean): void {
  const id = db.pragma('application_id', { simple: true }) as number;
  if (id === APPLICATION_ID) return;
  const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
  const ours =
    tables.length === 0 || (id === 0 && tables.some((t) => t.name === 'schema_migrations') && tables.some((t) => t.name === 'audit_log'));
  if (!ours) {
    throw new MpegflowError(`${file} is another program's SQLite database, not an MpegFlow state file`, {
      code: 'STATE_FOREIGN',
      suggestion: 'point MPEGFLOW_HOME at a folder of its own; MpegFlow left this file untouched',
    });
  }
  if (!readonly) db.pragma(`application_id = ${APPLICATION_ID}`);
}

/** Creates the folder 0700 and the file 0600; tightens modes that are too open, never loosens ones the operator narrowed. */
function ensurePrivateFile(file: string): void {
  const dir = path.dirname(file);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    tighten(dir);
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
    tighten(file);
  } catch (error) {
    throw storeError(file, error);
  }
}

function tighten(target: string): void {
  const mode = statSync(target).mode & 0o777;
  if (mode & 0o077) chmodSync(target, mode & 0o700);
}

/** WAL and shared-memory files carry the same data as the database: same permissions. */
function restrictSidecars(file: string): void {
  for (const suffix of ['-wal', '-shm']) {
    const sidecar = file + suffix;
    try {
      if (existsSync(sidecar)) tighten(sidecar);
    } catch {
      // another process may own or have just removed it; the directory is 0700 either way
    }
  }
}

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
    area TEXT NOT NULL,
    version INTEGER NOT NULL,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (area, version)
  )`;

/** Applied schema version per area; empty when the store is new. */
export async function appliedVersions(db: Db): Promise<Map<string, number>> {
  try {
    const rows = await db.all<{ area: string; version: number }>(
      'SELECT area, MAX(version) AS version FROM schema_migrations GROUP BY area',
    );
    return new Map(rows.map((r) => [r.area, Number(r.version)]));
  } catch (error) {
    if (/no such table|does not exist/i.test(String((error as Error).message))) return new Map();
    throw error;
  }
}

/**
 * Per area, the lowest schema version a program must know to use the store, as the programs that applied its
 * migrations recorded it; empty for a store whose migrations predate the record (every newer one refused).
 */
export async function usableFromVersions(db: Db): Promise<Map<string, number>> {
  try {
    const rows = await db.all<{ area: string; usable_from: number | null }>(
      // a migration recorded without it (by a program from before the record) counts as breaking
      'SELECT area, MAX(COALESCE(usable_from, version)) AS usable_from FROM schema_migrations GROUP BY area',
    );
    return new Map(rows.flatMap((r) => (r.usable_from === null ? [] : [[r.area, Number(r.usable_from)] as const])));
  } catch (error) {
    if (/no such (table|column)|does not exist/i.test(String((error as Error).message))) return new Map();
    throw error;
  }
}

/** Areas whose stored schema is newer than this program knows, past a breaking change: it must not use the store. */
function newerThanUsable(applied: Map<string, number>, usable: Map<string, number>, schemas: AreaSchema[]): string[] {
  return schemas
    .filter((s) => (applied.get(s.area) ?? 0) > latestVersion(s) && (usable.get(s.area) ?? applied.get(s.area)!) > latestVersion(s))
    .map(
      (s) =>
        `${s.area} v${applied.get(s.area)}, which needs v${usable.get(s.area) ?? applied.get(s.area)} or later (this mpegflow knows v${latestVersion(s)})`,
    );
}

/** Records, beside each applied migration, from which version of its area the store stays usable (added to stores that predate it). */
async function recordUsableFrom(tx: Db, schemas: AreaSchema[]): Promise<void> {
  if (tx.dialect === 'postgres') await tx.run('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS usable_from BIGINT');
  else if (!(await tx.all<{ name: string }>('PRAGMA table_info(schema_migrations)')).some((c) => c.name === 'usable_from'))
    await tx.run('ALTER TABLE schema_migrations ADD COLUMN usable_from INTEGER');
  for (const schema of schemas)
    for (const m of schema.migrations)
      await tx.run('UPDATE schema_migrations SET usable_from = ? WHERE area = ? AND version = ? AND usable_from IS NULL', [
        usableFrom(schema, m.version),
        schema.area,
        m.version,
      ]);
}

export function pendingMigrations(applied: Map<string, number>, schemas: AreaSchema[]): number {
  return schemas.reduce((n, s) => n + s.migrations.filter((m) => m.version > (applied.get(s.area) ?? 0)).length, 0);
}

/**
 * Applies every pending migration in one transaction (concurrent openers migrate one after the other). A
 * store a newer mpegflow migrated stays usable while its changes since this version are additive; past a
 * breaking one it is refused untouched.
 */
export async function migrate(db: Db, schemas: AreaSchema[] = allSchemas, mode: 'auto' | 'always' = 'always'): Promise<number> {
  const refuseNewer = async (on: Db, applied: Map<string, number>) => {
    const newer = newerThanUsable(applied, await usableFromVersions(on), schemas);
    if (newer.length > 0) {
      throw new MpegflowError(
        `the state in ${db.location} was changed by a newer mpegflow in a way this one cannot use (schema ${newer.join(', ')})`,
        {
          code: 'STATE_NEWER',
          suggestion: 'upgrade mpegflow on this host to the version the other hosts run (a downgrade cannot use it); nothing was written',
        },
      );
    }
  };
  const before = await appliedVersions(db);
  await refuseNewer(db, before);
  if (before.size > 0 && pendingMigrations(before, schemas) === 0) return 0;
  if (before.size > 0 && mode === 'auto' && db.dialect === 'postgres') {
    throw new MpegflowError(`the pool's database ${db.location} has an older schema than this mpegflow`, {
      code: 'STATE_OLDER',
      suggestion: 'upgrade it once with `mpegflow db migrate` (then upgrade mpegflow on every host of the pool); nothing was written',
    });
  }
  return db.transaction(async (tx) => {
    await tx.lock('migrate');
    await tx.run(MIGRATIONS_TABLE);
    const applied = await appliedVersions(tx);
    // the column first: on PostgreSQL a failed read of a missing one would abort the whole transaction
    await recordUsableFrom(tx, schemas);
    await refuseNewer(tx, applied);
    let count = 0;
    for (const schema of schemas) {
      const current = applied.get(schema.area) ?? 0;
      for (const migration of [...schema.migrations].sort((a, b) => a.version - b.version)) {
        if (migration.version <= current) continue;
        await execScript(tx, forDialect(migration, tx.dialect));
        await tx.run('INSERT INTO schema_migrations (area, version, description, applied_at, usable_from) VALUES (?, ?, ?, ?, ?)', [
          schema.area,
          migration.version,
          migration.description,
          new Date(await tx.nowMs()).toISOString(),
          usableFrom(schema, migration.version),
        ]);
        count++;
      }
    }
    return count;
  });
}

/** Runs a migration's statements one by one (both engines take one statement per prepared call). */
async function execScript(tx: Db, script: string): Promise<void> {
  const statements = script
    .replace(/--[^\n]*/g, '')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const statement of statements) await tx.run(statement);
}
