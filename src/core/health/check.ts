import { errorSummary, isMpegflowError } from '../errors.ts';
import type { ResolvedEndpoint } from '../endpoints/model.ts';
import type { Db } from '../store/open.ts';
import { assessHealth } from './assess.ts';
import type { DeploymentSnapshot, HealthReport } from './model.ts';
import { worstStatus, type HealthStatus } from './quorum.ts';
import { sampleOf, storeSample } from './samples.ts';

export interface UnknownReport {
  endpoint: string;
  status: 'UNKNOWN';
  error: { code: string; message: string; suggestion?: string };
}

export type EndpointHealth = HealthReport | UnknownReport;

export interface HealthResult {
  status: HealthStatus;
  endpoints: EndpointHealth[];
}

export interface CheckHealthOptions {
  db: Db;
  names: string[];
  resolve: (name: string) => Promise<ResolvedEndpoint>;
  collect: (endpoint: ResolvedEndpoint) => Promise<DeploymentSnapshot>;
  now?: () => Date;
}

/** Checks every endpoint concurrently; one that cannot be asked is UNKNOWN, not a failure of the whole run. */
export async function checkHealth({ db, names, resolve, collect, now = () => new Date() }: CheckHealthOptions): Promise<HealthResult> {
  const endpoints = await Promise.all(
    names.map(async (name): Promise<EndpointHealth> => {
      try {
        return assessHealth(name, await collect(await resolve(name)), now());
      } catch (error) {
        if (!isMpegflowError(error)) throw error;
        return {
          endpoint: name,
          status: 'UNKNOWN',
          error: errorSummary(error),
        };
      }
    }),
  );
  const reports = endpoints.filter((e): e is HealthReport => 'sets' in e);
  await db.transaction(async (tx) => {
    for (const r of reports) await storeSample(tx, sampleOf(r));
  });
  return { status: worstStatus(endpoints.map((e) => e.status)), endpoints };
}
