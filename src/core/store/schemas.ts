import { auditSchema } from '../audit/schema.ts';
import { endpointsSchema } from '../endpoints/schema.ts';
import { healthSchema } from '../health/schema.ts';
import { jobsSchema } from '../jobs/schema.ts';
import { licenseSchema } from '../license/schema.ts';
import { replicationSchema } from '../replication/schema.ts';
import { routesSchema } from '../routing/schema.ts';
import type { AreaSchema } from './migration.ts';

/** Every area's schema, migrated in this order when the state file opens. */
export const allSchemas: AreaSchema[] = [
  auditSchema,
  endpointsSchema,
  healthSchema,
  jobsSchema,
  replicationSchema,
  licenseSchema,
  routesSchema,
];
