import Database from 'better-sqlite3';
import { hash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isScratchFailure, scratchFailed } from './scratch.ts';

/**
 * The keys one pass over a listing has seen, kept in a scratch SQLite file in
 * TMPDIR (one uncommitted transaction, no journal): memory stays the same for
 * a thousand keys or ten million. Keys are stored as their SHA-256.
 */
export class SeenKeys {
  private readonly folder: string;
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[Buffer]>;

  private constructor(folder: string, db: Database.Database) {
    this.folder = folder;
    this.db = db;
    this.insert = db.prepare('INSERT OR IGNORE INTO seen (digest) VALUES (?)');
  }

  static open(): SeenKeys {
    let folder: string | undefined;
    let db: Database.Database | undefined;
    try {
      folder = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-seen-'));
      db = new Database(path.join(folder, 'seen.db'));
      db.pragma('journal_mode = OFF');
      db.pragma('synchronous = OFF');
      db.exec('CREATE TABLE seen (digest BLOB PRIMARY KEY) WITHOUT ROWID; BEGIN');
      return new SeenKeys(folder, db);
    } catch (error) {
      db?.close();
      if (folder) rmSync(folder, { recursive: true, force: true });
      throw isScratchFailure(error) ? scratchFailed(folder ?? os.tmpdir(), error) : error;
    }
  }

  /** Whether the key is new (and now seen). */
  add(key: string): boolean {
    try {
      return this.insert.run(hash('sha256', key, 'buffer')).changes === 1;
    } catch (error) {
      throw isScratchFailure(error) ? scratchFailed(this.folder, error) : error;
    }
  }

  close(): void {
    this.db.close();
    rmSync(this.folder, { recursive: true, force: true });
  }
}
