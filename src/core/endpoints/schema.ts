import type { AreaSchema } from '../store/migration.ts';

export const endpointsSchema: AreaSchema = {
  area: 'endpoints',
  migrations: [],
};
