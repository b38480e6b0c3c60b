import type { AuditContext } from '../audit/context.ts';
import type { ProgressListener } from '../encode/ffmpeg/progress.ts';
import { mpegflowVersion } from '../encode/outputs/manifest.ts';
import { usableEndpoints } from '../endpoints/repository.ts';
import { storageResolver } from '../endpoints/storage.ts';
import { encodeEntitlements, workerConcurrency, type WorkerConcurrency } from '../license/encode-allowance.ts';
import type { Db } from '../store/open.ts';
import { classifyEncodeFailure, runEncodeJob } from './encode-job.ts';
import type { Job } from './model.ts';
import { workerExitCode } from './worker-exit.ts';
import { runWorker, type JobContext, type WorkerEvent, type WorkerResult } from './worker.ts';

/** `mpegflow worker` as asked for on the command line. */
export interface EncodeWorkerRequest {
  concurrency: number;
  drain?: boolean;
  maxJobs?: number;
  leaseSeconds: number;
  pollSeconds: number;
  backoffSeconds: number;
  workDir?: string;
}

export interface EncodeWorkerDeps {
  db: Db;
  audit: AuditContext;
  /** Told, before any job is claimed, when the license runs fewer encodes at once than asked for. */
  onConcurrencyLowered: (asked: number, allowed: WorkerConcurrency) => void;
  onEvent: (event: WorkerEvent) => void;
  /** The progress of each job's encode. */
  onProgress: (job: Job, context: JobContext) => ProgressListener;
  /** Runs the worker with a signal that SIGTERM or Ctrl-C aborts (running jobs go back to the queue). */
  interruptible: <R>(work: (signal: AbortSignal) => Promise<R>) => Promise<R>;
}

/**
 * A worker of queued encodes: the license gate and its limit on encodes at
 * once, the endpoints this host can use, the run until drained, stopped or
 * at --max-jobs, and the audit entry naming the jobs it took.
 */
export async function runEncodeWorker(request: EncodeWorkerRequest, deps: EncodeWorkerDeps): Promise<WorkerResult> {
  const { db, audit } = deps;
  const entitlements = await encodeEntitlements(db);
  const allowed = workerConcurrency(entitlements, request.concurrency);
  if (allowed.loweredBy) deps.onConcurrencyLowered(request.concurrency, allowed);
  const storage = await storageResolver(db);
  const result = await deps.interruptible(async (signal) =>
    runWorker({
      db,
      concurrency: allowed.concurrency,
      drain: request.drain,
      maxJobs: request.maxJobs,
      leaseMs: request.leaseSeconds * 1000,
      pollMs: request.pollSeconds * 1000,
      backoffBaseMs: request.backoffSeconds * 1000,
      signal,
      endpoints: await usableEndpoints(db),
      poolLimit: allowed.poolLimit,
      audit,
      version: mpegflowVersion(),
      classify: classifyEncodeFailure,
      execute: (job, context) =>
        runEncodeJob(job, context, {
          ...storage,
          workDir: request.workDir,
          maxOutputLines: entitlements.limits.maxResolution,
          onProgress: deps.onProgress,
        }),
      onEvent: deps.onEvent,
    }),
  );
  // the entry says which jobs this run took and how each ended (the first 1000 of a long-lived worker's)
  const exitCode = workerExitCode(result);
  await audit.record(db, {
    target: `worker ${result.worker}`,
    outcome: exitCode === 0 ? 'success' : 'failure',
    exitCode,
    detail: {
      jobs: result.jobs.slice(0, 1000).map((j) => `${j.id} ${j.state}`),
      jobCount: result.jobs.length,
      stoppedBy: result.stoppedBy,
    },
  });
  return result;
}
