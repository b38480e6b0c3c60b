import type { AreaSchema } from '../store/migration.ts';

export const replicationSchema: AreaSchema = {
  area: 'replication',
  migrations: [
    {
      version: 1,
      description: 'replication rules MpegFlow set up',
      sql: `
          CREATE TABLE replication_rules (
            edge TEXT NOT NULL,
            edge_bucket TEXT NOT NULL,
            central TEXT NOT NULL,
            central_bucket TEXT NOT NULL,
            rule_id TEXT NOT NULL,
            target_arn TEXT NOT NULL,
            settings TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (edge, edge_bucket, central, central_bucket)
          );
        `,
    },
  ],
};
