import Database from 'better-sqlite3';
import { hash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { makeTempFolder, type TempFolder } from '../temp-folders.ts';
import { isScratchFailure, scratchFailed } from './scratch.ts';

/**
 * The keys one pass over a listing has seen, kept in a scratch SQLite file in
 * TMPDIR (one uncommitted transaction, no journal): memory stays the same for
 * a thousand keys or ten million. Keys are stored as their SHA-256.
 */
export class SeenKeys {
  private readonly folder: string;
  private readonly release: () => void;
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[Buffer]>;

  private constructor({ folder, release }: TempFolder, db: Database.Database) {
    this.folder = folder;
    this.release = release;
    this.db = db;
    this.insert = db.prepare('INSERT OR IGNORE INTO seen (digest) VALUES (?)');
  }

  static open(): SeenKeys {
    let temp: TempFolder | undefined;
    let db: Database.Database | undefined;
    try {
      temp = makeTempFolder('mpegflow-seen-');
      db = new Database(path.join(temp.folder, 'seen.db'));
      db.pragma('journal_mode = OFF');
      db.pragma('synchronous = OFF');
      db.exec('CREATE TABLE seen (digest BLOB PRIMARY KEY) WITHOUT ROWID; BEGIN');
      return new SeenKeys(temp, db);
    } catch (error) {
      db?.close();
      temp?.release();
      throw isScratchFailure(error) ? scratchFailed(temp?.folder ?? os.tmpdir(), error) : error;
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
    this.release();
  }
}
