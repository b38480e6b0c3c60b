import type { AreaSchema } from '../store/migration.ts';

const endpointsTable = (secretKinds: string, secretKeyCheck: string) => `
  CREATE TABLE endpoints (
    name TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    access_key TEXT NOT NULL,
    secret_kind TEXT NOT NULL CHECK (secret_kind IN (${secretKinds})),
    secret_key TEXT${secretKeyCheck},
    secret_env TEXT,
    region TEXT NOT NULL,
    ca_cert_path TEXT,
    role TEXT CHECK (role IN ('edge', 'central', 'archive')),
    labels TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  )`;

export const endpointsSchema: AreaSchema = {
  area: 'endpoints',
  migrations: [
    {
      version: 1,
      description: 'MinIO endpoints',
      sql: endpointsTable("'stored', 'env'", ''),
      // the shared database of a pool holds no secret: each host keeps its own (environment, or a host-local file)
      postgres: endpointsTable("'env', 'host'", ' CHECK (secret_key IS NULL)'),
    },
  ],
};
