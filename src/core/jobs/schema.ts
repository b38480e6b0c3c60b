import type { AreaSchema } from '../store/migration.ts';

export const jobsSchema: AreaSchema = {
  area: 'jobs',
  migrations: [],
};
