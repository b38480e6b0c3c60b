import type { AreaSchema } from '../store/migration.ts';

export const routesSchema: AreaSchema = {
  area: 'routes',
  migrations: [
    {
      version: 1,
      description: 'routing rules: which presets and destinations a source gets, by customer, class and source folder',
      sql: `
          CREATE TABLE routes (
            name TEXT PRIMARY KEY,
            match_customer TEXT,
            match_class TEXT,
            -- ALIAS, ALIAS/BUCKET or ALIAS/BUCKET/PREFIX
            match_source TEXT,
            -- JSON array of {preset, to, retained}
            targets TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            retain TEXT,
            retention_mode TEXT CHECK (retention_mode IN ('governance', 'compliance')),
            legal_hold INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
          );
        `,
    },
  ],
};
