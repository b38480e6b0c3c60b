import type { AuditContext } from '../audit/context.ts';
import { MpegflowError, userError } from '../errors.ts';
import type { Db } from '../store/open.ts';
import type { Job, JobAttempt, JobDetail, JobState, LogEntry } from './model.ts';
import { fromRow, WITH_HOST, type JobRow } from './rows.ts';
import { whyWaiting } from './waiting.ts';
import { backoffWait } from '../retry.ts';

export const DEFAULT_MAX_ATTEMPTS = 3;
/** Of a job's log, the last lines kept. */
export const LOG_LINES_KEPT = 200;
/** Channel on which a submit or a retry wakes idle workers. */
export const JOBS_CHANNEL = 'mpegflow_jobs';

async function row(db: Db, id: number, lock = false): Promise<JobRow | undefined> {
  return db.get<JobRow>(`SELECT * FROM jobs WHERE id = ?${lock ? db.forUpdate : ''}`, [id]);
}

export function jobNotFound(id: number): MpegflowError {
  return userError(`there is no job ${id}`, 'list jobs with `mpegflow job list`', 'JOB_NOT_FOUND');
}

export interface JobFilter {
  state?: JobState;
  customer?: string;
  class?: string;
  limit?: number;
}

export async function listJobs(db: Db, { state, customer, class: klass, limit = 100 }: JobFilter = {}): Promise<Job[]> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  for (const [column, value] of [
    ['state', state],
    ['customer', customer],
    ['class', klass],
  ] as const) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  const rows = await db.all<JobRow>(`${WITH_HOST}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`, [
    ...params,
    limit,
  ]);
  return rows.map(fromRow);
}

export async function getJob(db: Db, id: number, logLines = 20): Promise<JobDetail> {
  const found = await db.get<JobRow>(`${WITH_HOST} WHERE id = ?`, [id]);
  if (!found) throw jobNotFound(id);
  const job = fromRow(found);
  const attemptsLog = await db.all<JobAttempt>(
    `SELECT attempt, worker, host, generation, started_at AS "startedAt", finished_at AS "finishedAt", outcome, error
     FROM job_attempts WHERE job_id = ? ORDER BY attempt`,
    [id],
  );
  const logTail = await db.all<{ ts: string; line: string }>(
    'SELECT ts, line FROM (SELECT id, ts, line FROM job_logs WHERE job_id = ? ORDER BY id DESC LIMIT ?) tail ORDER BY id',
    [id, logLines],
  );
  return {
    ...job,
    attemptsLog: attemptsLog.map((a) => ({
      ...a,
      attempt: Number(a.attempt),
      generation: a.generation === null ? null : Number(a.generation),
    })),
    logTail,
    waiting: await whyWaiting(db, job),
  };
}

export interface ClaimOptions {
  db: Db;
  worker: string;
  host: string;
  leaseMs: number;
  /** The needs this host meets (`endpoint:NAME` for each secret it holds, `host:NAME` for its own files), or 'any'. */
  capabilities: string[] | 'any';
  /** The licensed number of encodes running at once across every host sharing the store. */
  poolLimit?: number;
  /** A takeover of a dead worker's job is audited, so a killed worker leaves a trace. */
  audit?: AuditContext;
}

/** How many attempts in a row a job's workers may die in before the job is taken to be what kills them. */
const deathsInARow = (job: JobRow) => 2 * Number(job.max_attempts);

/**
 * Lost leases do not count against a job's attempts (a host rebooted, a
 * worker was stopped); but one whose worker died in each of its last
 * attempts, twice as many as it may fail, is likely what kills them (the OOM
 * killer), and is not handed to host after host for ever.
 */
async function deathsSoFar(tx: Db, job: JobRow): Promise<number> {
  const limit = deathsInARow(job);
  const last = await tx.all<{ outcome: string | null }>('SELECT outcome FROM job_attempts WHERE job_id = ? ORDER BY attempt DESC LIMIT ?', [
    job.id,
    limit,
  ]);
  const survived = last.findIndex((attempt) => attempt.outcome !== 'lost');
  return survived < 0 ? last.length : survived;
}

/**
 * Takes the next job this host can run: the highest-priority queued job whose
 * back-off has passed, or a running job whose worker stopped renewing its
 * lease (it died, or is paused). Leases are judged by the store's clock. The
 * lease generation goes up with every claim: a worker that lost its job can
 * no longer publish (see `publishJob`). PostgreSQL workers skip rows another
 * is claiming; SQLite takes its write lock.
 */
/**
 * Jobs whose needs are all among the capabilities. Needs are stored as
 * ',a,b,': striking each capability out must leave ','. In SQL, so that jobs
 * this host cannot run, however many, never hide one it can.
 */
function runnableBy(capabilities: string[] | 'any'): { sql: string; params: string[] } {
  if (capabilities === 'any') return { sql: '', params: [] };
  const struck = capabilities.reduce((expression) => `REPLACE(${expression}, ?, ',')`, 'needs');
  return { sql: ` AND ${struck} = ','`, params: capabilities.map((capability) => `,${capability},`) };
}

export async function claimJob({ db, worker, host, leaseMs, capabilities, poolLimit, audit }: ClaimOptions): Promise<Job | undefined> {
  return db.transaction(async (tx) => {
    const ms = await tx.nowMs();
    const ts = new Date(ms).toISOString();
    if (poolLimit !== undefined) {
      await tx.lock('encode-slots');
      const busy = await tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE state = 'running' AND lease_expires_at >= ?", [ms]);
      if (Number(busy!.n) >= poolLimit) return undefined;
    }
    const runnable = runnableBy(capabilities);
    for (;;) {
      const next = await tx.get<JobRow>(
        `SELECT * FROM jobs
         WHERE ((state = 'queued' AND not_before <= ?) OR (state = 'running' AND lease_expires_at < ?))${runnable.sql}
         ORDER BY priority DESC, id LIMIT 1${tx.claimLock}`,
        [ms, ms, ...runnable.params],
      );
      if (!next) return undefined;
      const lost = next.state === 'running' ? await takeOver(tx, next, { ms, ts, worker, audit }) : Number(next.lost_leases);
      // cancelled or failed on the way: the next one may be ready (an idle worker would wait a poll for it)
      if (lost === null) continue;
      return claim(tx, next, { lost, ms, ts, worker, host, leaseMs });
    }
  });
}

/**
 * Ends the attempt of a worker that stopped renewing its lease. Returns the
 * job's lost leases, or null when this claim may not have it: cancelled (a
 * cancel was waiting), failed (its workers keep dying on it) or queued again
 * behind a back-off (its worker died twice in a row).
 */
async function takeOver(
  tx: Db,
  next: JobRow,
  { ms, ts, worker, audit }: { ms: number; ts: string; worker: string; audit?: AuditContext },
): Promise<number | null> {
  const lost = Number(next.lost_leases) + 1;
  await tx.run(
    "UPDATE job_attempts SET finished_at = ?, outcome = 'lost', error = ? WHERE job_id = ? AND attempt = ? AND finished_at IS NULL",
    [ts, `worker ${next.lease_owner} stopped renewing its lease`, next.id, next.attempts],
  );
  await audit?.also(tx, {
    target: `job ${next.id}`,
    outcome: 'failure',
    exitCode: 0,
    detail: { event: 'lease-expired', deadWorker: next.lease_owner, attempt: Number(next.attempts), takenOverBy: worker },
  });
  const end = (state: 'cancelled' | 'failed', error: string | null) =>
    tx.run(
      'UPDATE jobs SET state = ?, last_error = COALESCE(?, last_error), lease_owner = NULL, lease_expires_at = NULL, lost_leases = ?, finished_at = ?, updated_at = ? WHERE id = ?',
      [state, error, lost, ts, ts, next.id],
    );
  if (Number(next.cancel_requested) === 1) {
    await end('cancelled', null);
    return null;
  }
  const deaths = await deathsSoFar(tx, next);
  if (deaths >= deathsInARow(next)) {
    await end(
      'failed',
      `its worker died or stalled past its lease in each of its last ${deathsInARow(next)} attempts: the job may be what kills it (the OOM killer? see dmesg on the hosts in \`mpegflow job show ${next.id}\`)`,
    );
    return null;
  }
  if (deaths > 1) {
    // a second death in a row: the job waits out a back-off before it may take down another worker (one death is a host going away)
    await tx.run(
      "UPDATE jobs SET state = 'queued', not_before = ?, last_error = ?, lease_owner = NULL, lease_expires_at = NULL, lost_leases = ?, updated_at = ? WHERE id = ?",
      [ms + backoffMs(deaths - 1), `its worker died or stalled past its lease in each of its last ${deaths} attempts`, lost, ts, next.id],
    );
    return null;
  }
  return lost;
}

/** Hands the job to this worker under a new lease generation, and opens its attempt. */
async function claim(
  tx: Db,
  next: JobRow,
  { lost, ms, ts, worker, host, leaseMs }: { lost: number; ms: number; ts: string; worker: string; host: string; leaseMs: number },
): Promise<Job> {
  const attempt = Number(next.attempts) + 1;
  const generation = Number(next.lease_generation) + 1;
  await tx.run(
    `UPDATE jobs SET state = 'running', attempts = ?, lost_leases = ?, lease_owner = ?, lease_expires_at = ?, lease_generation = ?,
         started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ?`,
    [attempt, lost, worker, ms + leaseMs, generation, ts, ts, next.id],
  );
  await tx.run('INSERT INTO job_attempts (job_id, attempt, worker, host, generation, started_at) VALUES (?, ?, ?, ?, ?, ?)', [
    next.id,
    attempt,
    worker,
    host,
    generation,
    ts,
  ]);
  return fromRow((await row(tx, Number(next.id)))!);
}

export async function findJob(db: Db, id: number): Promise<Job | undefined> {
  const found = await row(db, id);
  return found && fromRow(found);
}

/**
 * The job, while a worker of `host` holds its unexpired lease at `generation` (a broker checks each call of a
 * worker against it); undefined once it was taken over, ran out, or ended.
 */
export async function heldJob(
  db: Db,
  id: number,
  generation: number,
  host: string,
): Promise<(Job & { leaseExpiresAt: number }) | undefined> {
  const found = await row(db, id);
  if (!found || found.state !== 'running' || Number(found.lease_generation) !== generation) return undefined;
  if (!found.lease_owner?.startsWith(`${host}:`) || Number(found.lease_expires_at) < (await db.nowMs())) return undefined;
  return { ...fromRow(found), leaseExpiresAt: Number(found.lease_expires_at) };
}

/** The claim a worker holds: the job and the lease generation it was given. */
export type Lease = Pick<Job, 'id' | 'leaseGeneration' | 'attempts'>;

const HELD = "id = ? AND lease_generation = ? AND state = 'running'";

/** Renews the lease. `held: false` means another worker took the job over: stop at once. */
export async function renewLease({
  db,
  lease,
  leaseMs,
}: {
  db: Db;
  lease: Lease;
  leaseMs: number;
}): Promise<{ held: boolean; cancelRequested: boolean }> {
  const ms = await db.nowMs();
  const current = await db.get<{ cancel_requested: number }>(
    `UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE ${HELD} RETURNING cancel_requested`,
    [ms + leaseMs, new Date(ms).toISOString(), lease.id, lease.leaseGeneration],
  );
  return { held: current !== undefined, cancelRequested: Number(current?.cancel_requested) === 1 };
}

async function finishAttempt(db: Db, lease: Lease, outcome: string, error: string | null, ts: string): Promise<void> {
  await db.run('UPDATE job_attempts SET finished_at = ?, outcome = ?, error = ? WHERE job_id = ? AND attempt = ?', [
    ts,
    outcome,
    error,
    lease.id,
    lease.attempts,
  ]);
}

/** Putting the outputs in place failed (storage refused, disk full): the attempt failed, the store did not. */
export class PublishError extends Error {}

/**
 * Fenced completion. In one transaction: lock the job, check this worker's
 * lease generation is still the job's, run `publish` (move outputs into place,
 * write the manifest), mark the job done. A worker that lost its lease gets
 * 'lost', and one whose job was cancelled since its last heartbeat gets
 * 'cancelled': neither publishes anything. While one publishes, no other can
 * claim the job (PostgreSQL holds the row lock, SQLite its write lock).
 */
export async function publishJob({
  db,
  lease,
  result,
  publish,
}: {
  db: Db;
  lease: Lease;
  result: Record<string, unknown>;
  publish?: () => Promise<void>;
}): Promise<'published' | 'lost' | 'cancelled'> {
  return db.transaction(async (tx) => {
    const current = await row(tx, lease.id, true);
    if (!current || current.state !== 'running' || Number(current.lease_generation) !== lease.leaseGeneration) return 'lost';
    if (Number(current.cancel_requested) === 1) return 'cancelled';
    try {
      await publish?.();
    } catch (error) {
      throw new PublishError(error instanceof Error ? error.message : String(error), { cause: error });
    }
    const ts = new Date(await tx.nowMs()).toISOString();
    await tx.run(
      `UPDATE jobs SET state = 'done', result = ?, last_error = NULL, lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ? WHERE ${HELD}`,
      [JSON.stringify(result), ts, ts, lease.id, lease.leaseGeneration],
    );
    await finishAttempt(tx, lease, 'done', null, ts);
    return 'published';
  });
}

/** The bound of the back-off between attempts: 30 s, 60 s, 120 s ... capped at 15 minutes. */
export function backoffMs(attempt: number, baseMs = 30_000): number {
  return Math.min(baseMs * 2 ** (attempt - 1), 15 * 60_000);
}

/**
 * How long a failed job waits before another attempt: between half its bound and the bound, drawn at random,
 * so the jobs a store outage failed together do not come back to it together, and none comes back at once.
 */
export function jobBackoffMs(attempt: number, baseMs = 30_000, random = Math.random): number {
  // whole milliseconds: not_before is an integer column (BIGINT on PostgreSQL)
  return Math.round(backoffWait(attempt, { baseMs, capMs: 15 * 60_000, floor: 0.5, random }));
}

/**
 * Ends an attempt that failed. Transient failures go back to the queue after a
 * back-off until the attempts run out; permanent ones (bad input) fail now.
 * Attempts lost to dead workers do not count against the limit.
 */
/** How an attempt ended, when it did not publish. */
export interface FailedAttempt {
  lease: Lease;
  error: string;
  transient: boolean;
  /** What the attempt measured before it failed; kept as the job's result. */
  result?: Record<string, unknown>;
  cancelled?: boolean;
  /** The worker was asked to stop: the job goes back at once, and the attempt does not count (as a lost lease does not). */
  stopped?: boolean;
  backoffBaseMs?: number;
}

export async function failAttempt({
  db,
  lease,
  error,
  transient,
  result,
  cancelled = false,
  stopped = false,
  backoffBaseMs,
  random,
}: FailedAttempt & {
  db: Db;
  /** Draws the back-off (default Math.random; tests give their own). */
  random?: () => number;
}): Promise<JobState | 'lost'> {
  return db.transaction(async (tx) => {
    const current = await row(tx, lease.id, true);
    // another worker holds the job now (or it is gone): what becomes of it is not this attempt's to say
    if (!current || current.state !== 'running' || Number(current.lease_generation) !== lease.leaseGeneration) return 'lost';
    const ms = await tx.nowMs();
    const ts = new Date(ms).toISOString();
    const failures = Number(current.attempts) - Number(current.lost_leases);
    const state: JobState =
      cancelled || Number(current.cancel_requested) === 1
        ? 'cancelled'
        : stopped || (transient && failures < Number(current.max_attempts))
          ? 'queued'
          : 'failed';
    const notBefore = state !== 'queued' ? 0 : stopped ? ms : ms + jobBackoffMs(failures, backoffBaseMs, random);
    await tx.run(
      `UPDATE jobs SET state = ?, last_error = ?, not_before = ?, lost_leases = lost_leases + ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?, finished_at = ?, result = COALESCE(?, result) WHERE id = ?`,
      [state, error, notBefore, stopped ? 1 : 0, ts, state === 'queued' ? null : ts, result ? JSON.stringify(result) : null, lease.id],
    );
    await finishAttempt(tx, lease, state === 'cancelled' ? 'cancelled' : stopped ? 'stopped' : 'failed', error, ts);
    if (state === 'queued') await tx.notify(JOBS_CHANNEL);
    return state;
  });
}

/**
 * A queued job is cancelled at once; a running one is flagged and its worker
 * stops ffmpeg and cleans up at its next heartbeat.
 */
export async function cancelJob({ db, audit, id }: { db: Db; audit?: AuditContext; id: number }): Promise<Job> {
  return db.transaction(async (tx) => {
    const current = await row(tx, id, true);
    if (!current) throw jobNotFound(id);
    const ts = new Date(await tx.nowMs()).toISOString();
    if (current.state === 'queued') {
      await tx.run("UPDATE jobs SET state = 'cancelled', finished_at = ?, updated_at = ? WHERE id = ?", [ts, ts, id]);
    } else if (current.state === 'running') {
      await tx.run('UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?', [ts, id]);
    } else {
      throw userError(
        `job ${id} is already ${current.state}`,
        current.state === 'done' ? 'a finished job cannot be cancelled' : `re-queue it with \`mpegflow job retry ${id}\``,
        'JOB_NOT_CANCELLABLE',
      );
    }
    await audit?.record(tx, { target: `job ${id}`, detail: { from: current.state } });
    return fromRow((await row(tx, id))!);
  });
}

/** Puts a failed or cancelled job back in the queue with fresh attempts. */
export async function retryJob({ db, audit, id }: { db: Db; audit?: AuditContext; id: number }): Promise<Job> {
  return db.transaction(async (tx) => {
    const current = await row(tx, id, true);
    if (!current) throw jobNotFound(id);
    if (current.state !== 'failed' && current.state !== 'cancelled') {
      throw userError(
        `job ${id} is ${current.state}; only failed or cancelled jobs can be retried`,
        `see its state with \`mpegflow job show ${id}\``,
        'JOB_NOT_RETRYABLE',
      );
    }
    const live = await tx.get<JobRow>(
      "SELECT id, state FROM jobs WHERE job_key = ? AND id != ? AND state IN ('queued', 'running', 'done')",
      [current.job_key, id],
    );
    if (live)
      throw userError(
        `the same encode is already ${live.state} as job ${live.id}`,
        `see it with \`mpegflow job show ${live.id}\``,
        'JOB_DUPLICATE',
      );
    const ts = new Date(await tx.nowMs()).toISOString();
    await tx.run(
      "UPDATE jobs SET state = 'queued', max_attempts = attempts - lost_leases + COALESCE(attempt_budget, ?), not_before = 0, cancel_requested = 0, finished_at = NULL, updated_at = ? WHERE id = ?",
      [DEFAULT_MAX_ATTEMPTS, ts, id],
    );
    await audit?.record(tx, { target: `job ${id}`, detail: { from: current.state } });
    await tx.notify(JOBS_CHANNEL);
    return fromRow((await row(tx, id))!);
  });
}

/** Keeps the last lines of a job's log (ffmpeg's progress and errors, already redacted by the caller). */
/** Appends log lines, each with the time it happened on its host (a line held through a store outage keeps its own). */
export async function appendJobLog(db: Db, jobId: number, lines: LogEntry[]): Promise<void> {
  if (lines.length === 0) return;
  await db.transaction(async (tx) => {
    for (const { ts, line } of lines) await tx.run('INSERT INTO job_logs (job_id, ts, line) VALUES (?, ?, ?)', [jobId, ts, line]);
    await tx.run(
      'DELETE FROM job_logs WHERE job_id = ? AND id <= (SELECT id FROM job_logs WHERE job_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)',
      [jobId, jobId, LOG_LINES_KEPT],
    );
  });
}
