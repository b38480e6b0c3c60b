import type { AreaSchema } from '../store/migration.ts';

export const endpointsSchema: AreaSchema = {
  area: 'endpoints',
  migrations: [
    {
      version: 1,
      description: 'MinIO endpoints',
      sql: `
          CREATE TABLE endpoints (
            name TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            access_key TEXT NOT NULL,
            secret_kind TEXT NOT NULL CHECK (secret_kind IN ('stored', 'env')),
            secret_key TEXT,
            secret_env TEXT,
            region TEXT NOT NULL,
            ca_cert_path TEXT,
            role TEXT CHECK (role IN ('edge', 'central', 'archive')),
            labels TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
          );
        `,
      // the shared database of a pool holds no secret: each host keeps its own (environment, or a host-local file)
      postgres: `
          CREATE TABLE endpoints (
            name TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            access_key TEXT NOT NULL,
            secret_kind TEXT NOT NULL CHECK (secret_kind IN ('env', 'host')),
            secret_key TEXT CHECK (secret_key IS NULL),
            secret_env TEXT,
            region TEXT NOT NULL,
            ca_cert_path TEXT,
            role TEXT CHECK (role IN ('edge', 'central', 'archive')),
            labels TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
          );
        `,
    },
  ],
};
