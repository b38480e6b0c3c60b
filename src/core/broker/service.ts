import type { AuditContext } from '../audit/context.ts';
import { destinationFrom, type DestinationLocation } from '../encode/outputs/locations.ts';
import { destinationManifest, discard, stagingFor } from '../encode/outputs/staging.ts';
import { parseObjectPath } from '../endpoints/object-path.ts';
import type { ResolvedEndpoint } from '../endpoints/model.ts';
import type { StorageResolver } from '../endpoints/storage.ts';
import { MpegflowError } from '../errors.ts';
import { clearEarlierAttempts, publication } from '../jobs/encode-job.ts';
import type { Job } from '../jobs/model.ts';
import { appendJobLog, claimJob, failAttempt, findJob, heldJob, publishJob, renewLease, type Lease } from '../jobs/queue.ts';
import { forgetUpload, recordUpload, staleUploads, leaseUploads } from '../jobs/job-uploads.ts';
import { countWorkerJob, registerWorker, stopWorker, workerHeartbeat } from '../jobs/workers.ts';
import { signerOf } from '../s3/client.ts';
import type { Db } from '../store/open.ts';
import { COPY_GUARD, isBindableHeader, judgeRequest, type JobScope } from './grant-scope.ts';
import type {
  ClaimAnswer,
  FailAnswer,
  FailRequest,
  FinishAnswer,
  FinishRequest,
  GrantsAnswer,
  GrantsRequest,
  LeaseRequest,
  LogRequest,
  RegisterAnswer,
  RegisterRequest,
  UploadRecord,
} from './protocol.ts';

/** What the broker holds and a worker host never does: the database, the endpoints' keys, the license's limits. */
export interface BrokerDeps {
  db: Db;
  audit: AuditContext;
  storage: StorageResolver;
  endpoints: Map<string, ResolvedEndpoint>;
  poolLimit?: number;
  maxOutputLines?: number;
  /** A presigned grant lives as long as the lease that asked for it, and this much more (a request under way finishes). */
  graceSeconds?: number;
}

/** Refusals the broker answers with, as an HTTP status and the error the worker is shown. */
export class BrokerRefusal extends MpegflowError {
  readonly status: number;
  constructor(
    status: number,
    message: string,
    code: 'BROKER_GRANT_REFUSED' | 'LEASE_LOST' | 'BROKER_ERROR' | 'PUBLISH_FAILED',
    suggestion?: string,
  ) {
    super(message, { code, ...(suggestion ? { suggestion } : {}) });
    this.status = status;
  }
}

/** Counters `broker status` shows. */
export interface BrokerCounters {
  grantsIssued: number;
  grantsRefused: number;
}

/**
 * The queue and the store, on behalf of workers that hold neither credential: each call is one a worker of
 * the pool makes (register, claim, renew, log, finish, fail), checked against the host its token names, and
 * grants are presigned by the broker's keys only inside the job's scope.
 */
export function brokerService(deps: BrokerDeps) {
  const { db, audit, storage } = deps;
  const counters: BrokerCounters = { grantsIssued: 0, grantsRefused: 0 };
  /** Grants issued under each lease (job:generation), audited with the attempt's end. */
  const issued = new Map<string, number>();
  const issuedUnder = (jobId: number, generation: number) => {
    const key = `${jobId}:${generation}`;
    const count = issued.get(key) ?? 0;
    issued.delete(key);
    return count;
  };
  const grace = deps.graceSeconds ?? 30;

  const ownWorker = (host: string, workerId: string) => {
    if (!workerId.startsWith(`${host}:`))
      throw new BrokerRefusal(403, `worker ${workerId} is not one of host ${host}`, 'BROKER_GRANT_REFUSED');
  };
  /** The job, when this host's worker holds its lease at that generation; else the lease is lost (taken over, expired, done). */
  const held = async (host: string, jobId: number, lease: LeaseRequest): Promise<Job & { leaseExpiresAt: number }> => {
    const job = await heldJob(db, jobId, lease.generation, host);
    if (!job)
      throw new BrokerRefusal(409, `job ${jobId} is no longer leased to this worker at generation ${lease.generation}`, 'LEASE_LOST');
    return job;
  };
  const asLease = (jobId: number, lease: LeaseRequest): Lease => ({
    id: jobId,
    leaseGeneration: lease.generation,
    attempts: lease.attempts,
  });
  const locations = (job: Job) => {
    const source = parseObjectPath(job.source, storage.isAlias);
    const destination = destinationFrom(parseObjectPath(job.destination, storage.isAlias));
    return { source, destination };
  };

  const scopeOf = async (job: Job, generation: number): Promise<JobScope> => {
    const { source, destination } = locations(job);
    const remoteSource = source.kind === 'remote' ? source : null;
    const identity = remoteSource
      ? job.sourceIdentity.slice(`s3:${remoteSource.alias}/${remoteSource.bucket}/${remoteSource.key}:`.length)
      : '';
    const remoteDestination = destination.kind === 'remote' ? destination : null;
    return {
      source: remoteSource,
      sourceVersionId: identity.split(':')[1] ?? null,
      destination: remoteDestination,
      staging: remoteDestination
        ? (stagingFor(remoteDestination, job.id, generation) as Extract<DestinationLocation, { kind: 'remote' }>)
        : null,
      uploads: new Set((await leaseUploads(db, job.id, generation)).map((u) => u.uploadId)),
    };
  };

  /** A generation's staging, once no live lease has it: it is never published, so it goes now, not at the next takeover. */
  const discardStaging = async (jobId: number, generation: number) => {
    const job = await findJob(db, jobId);
    if (!job || (job.state === 'running' && job.leaseGeneration === generation)) return;
    const { destination } = locations(job);
    if (destination.kind === 'remote')
      await discard(stagingFor(destination, jobId, generation), storage.s3For(destination.alias)).catch(() => undefined);
  };

  return {
    counters,

    async register(host: string, request: RegisterRequest): Promise<RegisterAnswer> {
      ownWorker(host, request.workerId);
      await registerWorker(db, {
        id: request.workerId,
        host,
        pid: request.pid,
        version: request.version,
        concurrency: request.concurrency,
        endpoints: [],
        heartbeatEveryMs: Math.max(250, Math.floor(request.leaseMs / 4)),
        mode: 'broker',
      });
      return deps.maxOutputLines ? { maxOutputLines: deps.maxOutputLines } : {};
    },
    async beat(host: string, workerId: string): Promise<void> {
      ownWorker(host, workerId);
      await workerHeartbeat(db, workerId);
    },
    async stop(host: string, workerId: string): Promise<void> {
      ownWorker(host, workerId);
      await stopWorker(db, workerId);
    },
    async count(host: string, workerId: string, outcome: 'done' | 'failed', bytesStored: number): Promise<void> {
      ownWorker(host, workerId);
      await countWorkerJob(db, workerId, outcome, bytesStored);
    },

    /** The next job a brokered worker can run (storage to storage only: it has no disk of the broker's), its earlier attempts cleared. */
    async claim(host: string, workerId: string, leaseMs: number): Promise<ClaimAnswer> {
      ownWorker(host, workerId);
      const capabilities = [...deps.endpoints.keys()].map((alias) => `endpoint:${alias}`);
      const job = await claimJob({ db, worker: workerId, host, leaseMs, capabilities, poolLimit: deps.poolLimit, audit });
      if (!job) return { job: null, stores: {} };
      const { source, destination } = locations(job);
      if (job.leaseGeneration > 1 && destination.kind === 'remote') {
        await clearEarlierAttempts(job, destination, {
          stale: () => staleUploads(db, job),
          finished: (uploadId) => forgetUpload(db, uploadId),
          s3For: storage.s3For,
        });
      }
      const aliases = new Set([source, destination].flatMap((l) => (l.kind === 'remote' ? [l.alias] : [])));
      const stores = Object.fromEntries(
        [...aliases].map((alias) => {
          const endpoint = deps.endpoints.get(alias)!;
          return [alias, { url: endpoint.url, region: endpoint.region, caCert: endpoint.caCert?.toString() ?? null }];
        }),
      );
      return { job, stores };
    },

    async renew(host: string, jobId: number, lease: LeaseRequest & { leaseMs: number }) {
      await held(host, jobId, lease);
      return renewLease({ db, lease: asLease(jobId, lease), leaseMs: lease.leaseMs });
    },

    async log(host: string, jobId: number, request: LogRequest & LeaseRequest): Promise<void> {
      await held(host, jobId, request);
      await appendJobLog(db, jobId, request.lines);
    },

    async recordUpload(host: string, jobId: number, upload: UploadRecord): Promise<void> {
      const job = await held(host, jobId, upload);
      const scope = await scopeOf(job, upload.generation);
      if (!scope.staging || upload.bucket !== scope.staging.bucket || !upload.key.startsWith(`${scope.staging.prefix}/`))
        throw new BrokerRefusal(
          403,
          `an upload to ${upload.bucket}/${upload.key} is outside job ${jobId}'s staging`,
          'BROKER_GRANT_REFUSED',
        );
      await recordUpload(db, { ...upload, jobId, generation: upload.generation });
    },
    async forgetUpload(host: string, jobId: number, uploadId: string, lease: LeaseRequest): Promise<void> {
      await held(host, jobId, lease);
      await forgetUpload(db, uploadId);
    },

    /** Presigned URLs for exactly the requests asked, each inside the job's scope, for as long as the lease (and a grace); or a refusal, audited. */
    async grants(host: string, jobId: number, request: GrantsRequest): Promise<GrantsAnswer> {
      const job = await held(host, jobId, request);
      const scope = await scopeOf(job, request.generation);
      const now = await db.nowMs();
      const seconds = Math.max(1, Math.ceil((job.leaseExpiresAt - now) / 1000) + grace);
      const grants: GrantsAnswer['grants'] = [];
      for (const asked of request.requests) {
        const headers = Object.fromEntries((asked.headers ?? []).map((name) => [name, '']));
        const verdict = judgeRequest(scope, { ...asked, headers });
        if (!verdict.allowed) {
          counters.grantsRefused++;
          await audit.also(db, {
            target: `job ${jobId}`,
            outcome: 'failure',
            exitCode: 0,
            detail: {
              event: 'grant-refused',
              host,
              generation: request.generation,
              request: `${asked.method} ${asked.bucket}/${asked.key}`,
              query: asked.query ?? {},
              reason: verdict.reason,
            },
          });
          throw new BrokerRefusal(
            403,
            `the broker refused ${asked.method} ${asked.bucket}/${asked.key}: ${verdict.reason}`,
            'BROKER_GRANT_REFUSED',
          );
        }
        const given = Object.entries(asked.signedHeaders ?? {}).map(([name, value]) => [name.toLowerCase(), value] as const);
        const unbindable = given.find(([name]) => !isBindableHeader(name));
        if (unbindable) throw new BrokerRefusal(403, `the broker does not sign the header ${unbindable[0]}`, 'BROKER_GRANT_REFUSED');
        const bound = { ...Object.fromEntries(given), ...(asked.method === 'PUT' ? COPY_GUARD : {}) };
        const url = await signerOf(storage.s3For(verdict.alias)).presign(
          { method: asked.method, bucket: asked.bucket, key: asked.key, query: asked.query ?? {}, headers: bound },
          seconds,
        );
        grants.push({ url, expiresAt: Date.now() + seconds * 1000, headers: bound });
      }
      counters.grantsIssued += grants.length;
      issued.set(`${jobId}:${request.generation}`, (issued.get(`${jobId}:${request.generation}`) ?? 0) + grants.length);
      return { grants };
    },

    /** The broker, not the worker, puts a finished encode in place: under the job's row lock, for the current lease only. */
    async finish(host: string, jobId: number, request: FinishRequest): Promise<FinishAnswer> {
      const job = await held(host, jobId, request).catch(async (error: unknown) => {
        // a late worker's encode (its lease taken over or run out) is never published: its staging goes
        await discardStaging(jobId, request.generation);
        throw error;
      });
      const { destination } = locations(job);
      const client = destination.kind === 'remote' ? storage.s3For(destination.alias) : undefined;
      let outcome: FinishAnswer['outcome'];
      let staged: Awaited<ReturnType<typeof publication>> | undefined;
      try {
        // a worker's word that the encode was already in place is checked, not taken
        if (request.result.status === 'skipped' && !(await destinationManifest(destination, client)))
          throw new MpegflowError(
            `job ${jobId}: the worker reported its encode already published, and there is no manifest at the destination`,
            { code: 'STAGING_LOST' },
          );
        staged = await publication(job, request.result, destination, request.generation, client);
        outcome = await publishJob({ db, lease: asLease(jobId, request), result: staged.result, publish: staged.publish });
      } catch (error) {
        throw new BrokerRefusal(
          502,
          `the broker could not publish job ${jobId}: ${error instanceof Error ? error.message : String(error)}`,
          'PUBLISH_FAILED',
        );
      }
      if (outcome !== 'published') await staged.discard?.().catch(() => undefined);
      await audit.also(db, {
        target: `job ${jobId}`,
        outcome: outcome === 'published' ? 'success' : 'failure',
        detail: {
          event: 'published-by-broker',
          host,
          generation: request.generation,
          outcome,
          grantsIssued: issuedUnder(jobId, request.generation),
        },
      });
      return { outcome };
    },

    async fail(host: string, jobId: number, request: FailRequest): Promise<FailAnswer> {
      const job = await held(host, jobId, request).catch(() => undefined);
      const state = job ? await failAttempt({ db, lease: asLease(jobId, request), ...request }) : 'lost';
      await discardStaging(jobId, request.generation);
      await audit.also(db, {
        target: `job ${jobId}`,
        outcome: 'failure',
        exitCode: 0,
        detail: {
          event: 'attempt-ended',
          host,
          generation: request.generation,
          state,
          grantsIssued: issuedUnder(jobId, request.generation),
        },
      });
      return { state };
    },
  };
}

export type BrokerService = ReturnType<typeof brokerService>;
