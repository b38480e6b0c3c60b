import type { AreaSchema } from '../store/migration.ts';

export const licenseSchema: AreaSchema = {
  area: 'license',
  migrations: [],
};
