import type { AreaSchema } from '../store/migration.ts';

export const healthSchema: AreaSchema = {
  area: 'health',
  migrations: [],
};
