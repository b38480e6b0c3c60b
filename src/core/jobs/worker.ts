import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../store/open.ts';
import type { Job, JobState } from './model.ts';
import { appendJobLog, claimJob, completeJob, failAttempt, renewLease } from './queue.ts';

export interface JobContext {
  signal: AbortSignal;
  /** Lines for the job's log tail (redacted by the caller). */
  log: (line: string) => void;
}

export interface FailureVerdict {
  message: string;
  /** Worth another attempt (storage unreachable, a dropped connection), as opposed to bad input. */
  transient: boolean;
}

export type WorkerEvent =
  { type: 'claimed'; job: Job } | { type: 'finished'; job: Job; state: JobState; error?: string } | { type: 'lease-lost'; job: Job };

export interface WorkerOptions {
  db: Db;
  execute: (job: Job, context: JobContext) => Promise<Record<string, unknown>>;
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
  onEvent?: (event: WorkerEvent) => void;
  now?: () => Date;
}

export interface WorkerResult {
  worker: string;
  jobs: { id: number; source: string; state: JobState; error?: string }[];
  stoppedBy: 'drained' | 'max-jobs' | 'signal';
}

export function newWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

class CancelledError extends Error {}
class LeaseLostError extends Error {}

/**
 * Claims jobs with leases and runs up to `concurrency` at once. A heartbeat
 * renews each lease; if another worker took the job over (this one stalled
 * past its lease) the run is abandoned, and a cancel request stops it.
 */
export async function runWorker(options: WorkerOptions): Promise<WorkerResult> {
  const { db, concurrency = 1, drain = false, maxJobs = Infinity, leaseMs = 60_000, pollMs = 2_000, now = () => new Date() } = options;
  const heartbeatMs = options.heartbeatMs ?? Math.max(250, Math.floor(leaseMs / 4));
  const worker = options.workerId ?? newWorkerId();
  const result: WorkerResult = { worker, jobs: [], stoppedBy: 'drained' };
  const running = new Set<Promise<void>>();
  let claimed = 0;

  const runOne = async (job: Job): Promise<void> => {
    const controller = new AbortController();
    const stop = () => controller.abort(new CancelledError('the worker was asked to stop'));
    options.signal?.addEventListener('abort', stop, { once: true });
    const heartbeat = setInterval(() => {
      const lease = renewLease({ db, jobId: job.id, worker, leaseMs, now });
      if (!lease.held) controller.abort(new LeaseLostError(`job ${job.id} was taken over by another worker`));
      else if (lease.cancelRequested) controller.abort(new CancelledError(`job ${job.id} was cancelled`));
    }, heartbeatMs);
    const pendingLog: string[] = [];
    const flushLog = () => appendJobLog(db, job.id, pendingLog.splice(0), now);
    try {
      const output = await options.execute(job, { signal: controller.signal, log: (line) => pendingLog.push(line) });
      clearInterval(heartbeat);
      flushLog();
      if (completeJob({ db, job, worker, result: output, now })) {
        result.jobs.push({ id: job.id, source: job.source, state: 'done' });
        options.onEvent?.({ type: 'finished', job, state: 'done' });
      } else {
        options.onEvent?.({ type: 'lease-lost', job });
      }
    } catch (error) {
      clearInterval(heartbeat);
      flushLog();
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      if (reason instanceof LeaseLostError) {
        options.onEvent?.({ type: 'lease-lost', job });
        return;
      }
      const stoppedByWorker = reason instanceof CancelledError && options.signal?.aborted;
      const verdict: FailureVerdict =
        reason instanceof CancelledError ? { message: reason.message, transient: true } : options.classify(error);
      const state = failAttempt({
        db,
        job,
        worker,
        error: verdict.message,
        transient: verdict.transient,
        cancelled: reason instanceof CancelledError && !stoppedByWorker,
        backoffBaseMs: stoppedByWorker ? 0 : options.backoffBaseMs,
        now,
      });
      result.jobs.push({ id: job.id, source: job.source, state, error: verdict.message });
      options.onEvent?.({ type: 'finished', job, state, error: verdict.message });
    } finally {
      options.signal?.removeEventListener('abort', stop);
    }
  };

  for (;;) {
    if (options.signal?.aborted) {
      result.stoppedBy = 'signal';
      break;
    }
    while (running.size < concurrency && claimed < maxJobs) {
      const job = claimJob({ db, worker, leaseMs, now });
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
    if (running.size === 0 && drain) break;
    // wait for a slot to free up, or poll for new work
    await Promise.race([...running, sleep(pollMs, undefined, { signal: options.signal }).catch(() => undefined)]);
  }
  await Promise.allSettled(running);
  return result;
}
