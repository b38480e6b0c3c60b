import type Database from 'better-sqlite3';

/** One schema step of one area. Versions count up from 1 within an area and never change once shipped. */
export interface Migration {
  version: number;
  description: string;
  up: (db: Database.Database) => void;
}

/** Each domain area owns its tables and their migrations. */
export interface AreaSchema {
  area: string;
  migrations: Migration[];
}
