import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditContext } from '../audit/context.ts';
import { hostName } from '../host.ts';
import type { Db } from '../store/open.ts';
import type { Job, JobState } from './model.ts';
import { PublishError } from './queue.ts';
import { type RecordedUpload } from './job-uploads.ts';
import { dbQueue, type WorkerQueue } from './worker-queue.ts';
import { StoreOutage, type OutageEvent } from './store-outage.ts';
import { every } from './ticker.ts';
import { JobLogBuffer } from './log-buffer.ts';
import { withRetry } from '../retry.ts';

export interface JobContext {
  signal: AbortSignal;
  /** Lines for the job's log tail (redacted by the caller); saved at every heartbeat. */
  log: (line: string) => void;
  /** Multipart uploads, recorded before their first part so that a takeover can abort them. */
  uploads: {
    started: (upload: Omit<RecordedUpload, 'jobId' | 'generation'>) => Promise<void>;
    finished: (uploadId: string) => Promise<void>;
    /** Uploads left by earlier attempts of this job (their workers died). */
    stale: () => Promise<RecordedUpload[]>;
  };
  /** What earlier attempts left (uploads, staging) was cleared before the job was handed out (a broker does). */
  earlierAttemptsCleared: boolean;
}

/** What an executed job hands back: its result, and how to publish it once the lease is confirmed (or discard it). */
export interface JobOutcome {
  result: Record<string, unknown>;
  publish?: () => Promise<void>;
  discard?: () => Promise<void>;
}

export interface FailureVerdict {
  message: string;
  /** Worth another attempt (storage unreachable, a dropped connection), as opposed to bad input. */
  transient: boolean;
  /** What the failed attempt measured, kept as the job's result (a quality gate's scores). */
  result?: Record<string, unknown>;
}

export type WorkerEvent =
  | { type: 'claimed'; job: Job }
  | { type: 'finished'; job: Job; state: JobState; error?: string }
  | { type: 'lease-lost'; job: Job }
  | OutageEvent;

export type WorkerOptions = WorkerSettings & ({ db: Db } | { queue: WorkerQueue });

export interface WorkerSettings {
  execute: (job: Job, context: JobContext) => Promise<JobOutcome>;
  classify: (error: unknown) => FailureVerdict;
  concurrency?: number;
  /** Stop when the queue has nothing ready instead of waiting for more. */
  drain?: boolean;
  maxJobs?: number;
  leaseMs?: number;
  heartbeatMs?: number;
  pollMs?: number;
  backoffBaseMs?: number;
  /** Aborting it (SIGTERM) stops ffmpeg and hands running jobs back to the queue. */
  signal?: AbortSignal;
  workerId?: string;
  host?: string;
  version?: string;
  /** Endpoints this host holds secrets for: jobs needing others are left to hosts that have them. */
  endpoints?: string[];
  /** Licensed encodes at once across the pool. */
  poolLimit?: number;
  audit?: AuditContext;
  onEvent?: (event: WorkerEvent) => void;
}

export interface WorkerResult {
  worker: string;
  host: string;
  jobs: { id: number; source: string; state: JobState; error?: string }[];
  stoppedBy: 'drained' | 'max-jobs' | 'signal';
}

export function newWorkerId(host = hostName()): string {
  return `${host}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

class CancelledError extends Error {}
class LeaseLostError extends Error {}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Claims jobs with leases and runs up to `concurrency` at once. A heartbeat
 * renews each lease and saves the log lines so far; if another worker took a
 * job over (this one stalled past its lease) the run is abandoned, and a
 * cancel request stops it. Outputs are published only under a confirmed
 * lease (`publishJob`). When the store is briefly unreachable, running
 * encodes go on and the worker keeps trying to reach it.
 */
export async function runWorker(options: WorkerOptions): Promise<WorkerResult> {
  const { concurrency = 1, drain = false, maxJobs = Infinity, leaseMs = 60_000, pollMs = 2_000 } = options;
  const queue = 'queue' in options ? options.queue : dbQueue(options.db);
  const heartbeatMs = options.heartbeatMs ?? Math.max(250, Math.floor(leaseMs / 4));
  const host = options.host ?? hostName();
  const worker = options.workerId ?? newWorkerId(host);
  const endpoints = new Set(options.endpoints ?? []);
  const capabilities = [`host:${host}`, ...[...endpoints].map((endpoint) => `endpoint:${endpoint}`)];
  const result: WorkerResult = { worker, host, jobs: [], stoppedBy: 'drained' };
  const running = new Set<Promise<void>>();
  const outage = new StoreOutage((event) => options.onEvent?.(event));
  const storeTrouble = (error: unknown) => outage.failed(describe(error));
  /**
   * Retries a store call until it goes through: the outcome of an encode is
   * never dropped. A publish that failed is the attempt's failure, not the
   * store's: it is not retried here.
   */
  const persist = async <T>(call: () => Promise<T>): Promise<T> => {
    const done = await withRetry(call, {
      attempts: Infinity,
      baseMs: 500,
      capMs: 10_000,
      retryIf: (error) => !(error instanceof PublishError),
      onRetry: storeTrouble,
    });
    outage.answered();
    return done;
  };
  let claimed = 0;

  await queue.register({
    id: worker,
    host,
    pid: process.pid,
    version: options.version ?? 'unknown',
    concurrency,
    endpoints: [...endpoints],
    heartbeatEveryMs: heartbeatMs,
  });
  const workerBeat = every(heartbeatMs, () => queue.heartbeat(worker).then(() => outage.answered(), storeTrouble));

  const runOne = async (job: Job): Promise<void> => {
    const controller = new AbortController();
    const stop = () => controller.abort(new CancelledError('the worker was asked to stop'));
    options.signal?.addEventListener('abort', stop, { once: true });
    if (options.signal?.aborted) stop(); // stopped while the claim was under way: a listener added now never fires
    const jobLog = new JobLogBuffer((lines) => queue.appendLog(job, lines), storeTrouble);
    const heartbeat = every(heartbeatMs, async () => {
      try {
        const lease = await queue.renew(job, leaseMs);
        if (!lease.held) controller.abort(new LeaseLostError(`job ${job.id} was taken over by another worker`));
        else if (lease.cancelRequested) controller.abort(new CancelledError(`job ${job.id} was cancelled`));
      } catch (error) {
        // the store is unreachable: keep encoding; the lease is checked again when it is back, and before publishing
        storeTrouble(error);
      }
      await jobLog.flush();
    });
    const context: JobContext = {
      signal: controller.signal,
      log: (line) => jobLog.add(line),
      uploads: {
        started: (upload) => queue.recordUpload(job, upload).catch(storeTrouble),
        finished: (uploadId) => queue.forgetUpload(job, uploadId).catch(storeTrouble),
        stale: () => queue.staleUploads(job),
      },
      earlierAttemptsCleared: queue.clearsEarlierAttempts,
    };
    const finish = (state: JobState, error?: string) => {
      result.jobs.push({ id: job.id, source: job.source, state, error });
      options.onEvent?.({ type: 'finished', job, state, error });
    };
    try {
      if (controller.signal.aborted) throw controller.signal.reason;
      const outcome = await options.execute(job, context);
      await heartbeat.stop();
      await jobLog.flush();
      const published = await persist(() => queue.publish(job, outcome.result, outcome.publish));
      if (published === 'published') {
        finish('done');
        await queue.count(worker, 'done', Number(outcome.result.bytesStored ?? 0)).catch(storeTrouble);
        return;
      }
      await outcome.discard?.();
      if (published === 'cancelled') throw new CancelledError(`job ${job.id} was cancelled`);
      options.onEvent?.({ type: 'lease-lost', job });
    } catch (error) {
      await heartbeat.stop();
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      if (reason instanceof LeaseLostError) {
        await jobLog.flush();
        options.onEvent?.({ type: 'lease-lost', job });
        return;
      }
      const stoppedByWorker = reason instanceof CancelledError && options.signal?.aborted;
      const verdict: FailureVerdict =
        reason instanceof CancelledError
          ? { message: reason.message, transient: true }
          : options.classify(error instanceof PublishError ? error.cause : error);
      // the log's last line says why the attempt ended, as job show's tail is read in triage
      jobLog.add(`attempt ${job.attempts} ${reason instanceof CancelledError ? 'stopped' : 'failed'}: ${verdict.message}`);
      await jobLog.flush();
      const state = await persist(() =>
        queue.fail({
          lease: job,
          error: verdict.message,
          transient: verdict.transient,
          result: verdict.result,
          cancelled: reason instanceof CancelledError && !stoppedByWorker,
          stopped: stoppedByWorker,
          backoffBaseMs: options.backoffBaseMs,
        }),
      );
      if (state === 'lost') {
        options.onEvent?.({ type: 'lease-lost', job });
        return;
      }
      finish(state, verdict.message);
      if (state === 'failed') await queue.count(worker, 'failed').catch(storeTrouble);
    } finally {
      await heartbeat.stop();
      options.signal?.removeEventListener('abort', stop);
    }
  };

  try {
    for (;;) {
      if (options.signal?.aborted) {
        result.stoppedBy = 'signal';
        break;
      }
      let storeDown: unknown;
      while (running.size < concurrency && claimed < maxJobs && !options.signal?.aborted) {
        let job: Job | undefined;
        try {
          job = await queue.claim({ worker, host, leaseMs, capabilities, poolLimit: options.poolLimit, audit: options.audit });
          outage.answered();
        } catch (error) {
          storeTrouble(error);
          storeDown = error;
          break;
        }
        if (!job) break;
        claimed++;
        options.onEvent?.({ type: 'claimed', job });
        const task: Promise<void> = runOne(job).finally(() => running.delete(task));
        running.add(task);
      }
      if (claimed >= maxJobs && running.size === 0) {
        result.stoppedBy = 'max-jobs';
        break;
      }
      if (running.size === 0 && drain) {
        // a cron run does not wait for a database that is down: it says so and exits
        if (storeDown) throw storeDown;
        break;
      }
      // wait for a slot to free up, or for new work (a notification, or the poll interval)
      const idle = new AbortController();
      const wake = options.signal ? AbortSignal.any([options.signal, idle.signal]) : idle.signal;
      await Promise.race([
        ...running,
        storeDown ? sleep(pollMs, undefined, { signal: wake }).catch(() => false) : queue.waitForWork(pollMs, wake),
      ]);
      idle.abort();
    }
    await Promise.allSettled(running);
  } finally {
    await workerBeat.stop();
    await queue.stop(worker).catch(storeTrouble);
  }
  return result;
}
