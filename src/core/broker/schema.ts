import type { AreaSchema } from '../store/migration.ts';

export const brokerSchema: AreaSchema = {
  area: 'broker',
  migrations: [
    {
      version: 1,
      description: "the broker's worker credentials: one token per host, kept as its sha256",
      compatibility: 'additive',
      sql: `
          CREATE TABLE broker_tokens (
            host TEXT PRIMARY KEY,
            token_sha256 TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            last_used_at TEXT
          );
        `,
    },
  ],
};
