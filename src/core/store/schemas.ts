import { auditSchema } from '../audit/schema.ts';
import { brokerSchema } from '../broker/schema.ts';
import { endpointsSchema } from '../endpoints/schema.ts';
import { healthSchema } from '../health/schema.ts';
import { jobsSchema } from '../jobs/schema.ts';
import { licenseSchema } from '../license/schema.ts';
import { replicationSchema } from '../replication/schema.ts';
import { routesSchema } from '../routing/schema.ts';
import { latestVersion, type AreaSchema } from './migration.ts';

/** Every area's schema, migrated in this order when the state file opens. */
export const allSchemas: AreaSchema[] = [
  auditSchema,
  endpointsSchema,
  healthSchema,
  jobsSchema,
  replicationSchema,
  licenseSchema,
  routesSchema,
  brokerSchema,
];

/** The schema version of each area this mpegflow knows, as a worker records it for the pool to see. */
export function knownVersions(schemas: AreaSchema[] = allSchemas): Record<string, number> {
  return Object.fromEntries(schemas.map((s) => [s.area, latestVersion(s)]));
}
