import type { AreaSchema } from '../store/migration.ts';

export const replicationSchema: AreaSchema = {
  area: 'replication',
  migrations: [],
};
