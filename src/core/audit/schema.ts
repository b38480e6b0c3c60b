import type { AreaSchema } from '../store/migration.ts';

export const auditSchema: AreaSchema = {
  area: 'audit',
  migrations: [
    {
      version: 1,
      description: 'hash-chained audit log',
      sql: `
          CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,
            actor TEXT NOT NULL,
            command TEXT NOT NULL,
            args TEXT NOT NULL,
            target TEXT,
            outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
            exit_code INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            detail TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE
          );
          CREATE INDEX audit_log_ts ON audit_log (ts);
          CREATE INDEX audit_log_command ON audit_log (command);
          -- the newest entry's id and hash, so that removing entries from the end also shows
          CREATE TABLE audit_head (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            last_id INTEGER NOT NULL,
            last_hash TEXT NOT NULL,
            entries INTEGER NOT NULL
          );
        `,
    },
  ],
};
