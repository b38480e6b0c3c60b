import type { AuditContext } from '../audit/context.ts';
import type { Db } from '../store/open.ts';
import type { Job, JobState, LogEntry } from './model.ts';
import { appendJobLog, claimJob, failAttempt, JOBS_CHANNEL, publishJob, renewLease, type FailedAttempt, type Lease } from './queue.ts';
import { forgetUpload, recordUpload, staleUploads, type RecordedUpload } from './job-uploads.ts';
import { countWorkerJob, registerWorker, stopWorker, workerHeartbeat, type WorkerRegistration } from './workers.ts';

/**
 * Everything a worker asks of the queue, whoever answers: the database itself (a host that holds its
 * credentials), or a broker that alone does (`mpegflow worker --broker`), which also publishes.
 */
export interface WorkerQueue {
  /** A broker clears what earlier attempts left (their uploads, their staging) when it hands the job out. */
  readonly clearsEarlierAttempts: boolean;
  register(worker: WorkerRegistration): Promise<void>;
  heartbeat(workerId: string): Promise<void>;
  stop(workerId: string): Promise<void>;
  count(workerId: string, outcome: 'done' | 'failed', bytesStored?: number): Promise<void>;
  claim(options: {
    worker: string;
    host: string;
    leaseMs: number;
    capabilities: string[];
    poolLimit?: number;
    audit?: AuditContext;
  }): Promise<Job | undefined>;
  renew(lease: Lease, leaseMs: number): Promise<{ held: boolean; cancelRequested: boolean }>;
  /** Fenced: `publish` runs only while the lease is this worker's (a broker publishes itself, and ignores it). */
  publish(lease: Lease, result: Record<string, unknown>, publish?: () => Promise<void>): Promise<'published' | 'lost' | 'cancelled'>;
  fail(attempt: FailedAttempt): Promise<JobState | 'lost'>;
  appendLog(lease: Lease, lines: LogEntry[]): Promise<void>;
  recordUpload(lease: Lease, upload: Omit<RecordedUpload, 'jobId' | 'generation'>): Promise<void>;
  forgetUpload(lease: Lease, uploadId: string): Promise<void>;
  staleUploads(lease: Lease): Promise<RecordedUpload[]>;
  /** Resolves when new work may be there (a notification) or after `ms`. */
  waitForWork(ms: number, signal: AbortSignal): Promise<unknown>;
}

/** The queue in the database this host holds the credentials of. */
export function dbQueue(db: Db): WorkerQueue {
  return {
    clearsEarlierAttempts: false,
    register: (worker) => registerWorker(db, worker),
    heartbeat: (id) => workerHeartbeat(db, id),
    stop: (id) => stopWorker(db, id),
    count: (id, outcome, bytesStored) => countWorkerJob(db, id, outcome, bytesStored),
    claim: (options) => claimJob({ db, ...options }),
    renew: (lease, leaseMs) => renewLease({ db, lease, leaseMs }),
    publish: (lease, result, publish) => publishJob({ db, lease, result, publish }),
    fail: (attempt) => failAttempt({ db, ...attempt }),
    appendLog: (lease, lines) => appendJobLog(db, lease.id, lines),
    recordUpload: (lease, upload) => recordUpload(db, { ...upload, jobId: lease.id, generation: lease.leaseGeneration }),
    forgetUpload: (_, uploadId) => forgetUpload(db, uploadId),
    staleUploads: (lease) => staleUploads(db, lease),
    waitForWork: (ms, signal) => db.waitFor(JOBS_CHANNEL, ms, signal),
  };
}
