import { createHash } from 'node:crypto';
import type { AuditContext } from '../audit/context.ts';
import { MpegflowError, userError } from '../errors.ts';
import type { Db } from '../store/open.ts';
import type { Job, JobAttempt, JobDetail, JobSpec, JobState } from './model.ts';

export const DEFAULT_MAX_ATTEMPTS = 3;
const LOG_LINES_KEPT = 200;

interface JobRow {
  id: number;
  source: string;
  source_identity: string;
  preset: string;
  preset_hash: string;
  preset_file: string | null;
  destination: string;
  job_key: string;
  priority: number;
  state: JobState;
  attempts: number;
  max_attempts: number;
  not_before: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  cancel_requested: number;
  last_error: string | null;
  result: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
}

function fromRow(row: JobRow): Job {
  return {
    id: row.id,
    source: row.source,
    sourceIdentity: row.source_identity,
    preset: row.preset,
    presetHash: row.preset_hash,
    presetFile: row.preset_file,
    destination: row.destination,
    priority: row.priority,
    jobKey: row.job_key,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    notBefore: row.not_before,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    cancelRequested: row.cancel_requested === 1,
    lastError: row.last_error,
    result: row.result ? (JSON.parse(row.result) as Record<string, unknown>) : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** Same source version, same preset definition, same destination: same job. */
export function jobKeyOf(spec: Pick<JobSpec, 'sourceIdentity' | 'presetHash' | 'destination'>): string {
  return createHash('sha256')
    .update(JSON.stringify([spec.sourceIdentity, spec.presetHash, spec.destination]))
    .digest('hex');
}

function row(db: Db, id: number): JobRow | undefined {
  return db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?').get(id);
}

export function jobNotFound(id: number): MpegflowError {
  return userError(`there is no job ${id}`, 'list jobs with `mpegflow job list`', 'JOB_NOT_FOUND');
}

export interface SubmitResult {
  submitted: Job[];
  skipped: { source: string; reason: string; jobId: number; state: JobState }[];
}

/** Queues jobs in one transaction; a job already queued, running or done is skipped, so cron re-runs add only what is new. */
export function submitJobs({
  db,
  audit,
  specs,
  maxAttempts = DEFAULT_MAX_ATTEMPTS,
  now = () => new Date(),
}: {
  db: Db;
  audit?: AuditContext;
  specs: JobSpec[];
  maxAttempts?: number;
  now?: () => Date;
}): SubmitResult {
  return db
    .transaction(() => {
      const result: SubmitResult = { submitted: [], skipped: [] };
      const existing = db.prepare<[string], JobRow>("SELECT * FROM jobs WHERE job_key = ? AND state IN ('queued', 'running', 'done')");
      const insert = db.prepare(
        `INSERT INTO jobs (source, source_identity, preset, preset_file, preset_hash, destination, job_key, priority, state, max_attempts, created_at, updated_at)
         VALUES (@source, @sourceIdentity, @preset, @presetFile, @presetHash, @destination, @jobKey, @priority, 'queued', @maxAttempts, @ts, @ts)`,
      );
      for (const spec of specs) {
        const jobKey = jobKeyOf(spec);
        const found = existing.get(jobKey);
        if (found) {
          result.skipped.push({
            source: spec.source,
            reason: `already ${found.state} as job ${found.id}`,
            jobId: found.id,
            state: found.state,
          });
          continue;
        }
        const ts = now().toISOString();
        const { lastInsertRowid } = insert.run({ ...spec, jobKey, maxAttempts, ts });
        result.submitted.push(fromRow(row(db, Number(lastInsertRowid))!));
      }
      audit?.record(db, {
        target: specs.length === 1 ? specs[0]!.source : `${specs.length} sources`,
        detail: { submitted: result.submitted.map((j) => j.id), skipped: result.skipped.length },
      });
      return result;
    })
    .immediate();
}

export function listJobs(db: Db, { state, limit = 100 }: { state?: JobState; limit?: number } = {}): Job[] {
  const rows = state
    ? db.prepare<[string, number], JobRow>('SELECT * FROM jobs WHERE state = ? ORDER BY id DESC LIMIT ?').all(state, limit)
    : db.prepare<[number], JobRow>('SELECT * FROM jobs ORDER BY id DESC LIMIT ?').all(limit);
  return rows.map(fromRow);
}

export function getJob(db: Db, id: number, logLines = 20): JobDetail {
  const found = row(db, id);
  if (!found) throw jobNotFound(id);
  const attemptsLog = db
    .prepare<[number], JobAttempt>(
      'SELECT attempt, worker, started_at AS startedAt, finished_at AS finishedAt, outcome, error FROM job_attempts WHERE job_id = ? ORDER BY attempt',
    )
    .all(id);
  const logTail = db
    .prepare<[number, number], { ts: string; line: string }>(
      'SELECT ts, line FROM (SELECT id, ts, line FROM job_logs WHERE job_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id',
    )
    .all(id, logLines);
  return { ...fromRow(found), attemptsLog, logTail };
}

export interface ClaimOptions {
  db: Db;
  worker: string;
  leaseMs: number;
  now?: () => Date;
}

/**
 * Takes the next job: the highest-priority queued job whose back-off has
 * passed, or a running job whose worker stopped renewing its lease (it died).
 * IMMEDIATE, so two workers never take the same job.
 */
export function claimJob({ db, worker, leaseMs, now = () => new Date() }: ClaimOptions): Job | undefined {
  return db
    .transaction(() => {
      const t = now();
      const ms = t.getTime();
      const next = db
        .prepare<[number, number], JobRow>(
          `SELECT * FROM jobs
           WHERE (state = 'queued' AND not_before <= ?) OR (state = 'running' AND lease_expires_at < ?)
           ORDER BY priority DESC, id LIMIT 1`,
        )
        .get(ms, ms);
      if (!next) return undefined;
      if (next.state === 'running') {
        db.prepare(
          "UPDATE job_attempts SET finished_at = ?, outcome = 'lost', error = ? WHERE job_id = ? AND attempt = ? AND finished_at IS NULL",
        ).run(t.toISOString(), `worker ${next.lease_owner} stopped renewing its lease`, next.id, next.attempts);
        if (next.cancel_requested) {
          db.prepare(
            "UPDATE jobs SET state = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ? WHERE id = ?",
          ).run(t.toISOString(), t.toISOString(), next.id);
          return undefined;
        }
      }
      const attempt = next.attempts + 1;
      db.prepare(
        `UPDATE jobs SET state = 'running', attempts = ?, lease_owner = ?, lease_expires_at = ?, started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ?`,
      ).run(attempt, worker, ms + leaseMs, t.toISOString(), t.toISOString(), next.id);
      db.prepare('INSERT INTO job_attempts (job_id, attempt, worker, started_at) VALUES (?, ?, ?, ?)').run(
        next.id,
        attempt,
        worker,
        t.toISOString(),
      );
      return fromRow(row(db, next.id)!);
    })
    .immediate();
}

/** Renews the lease. `held: false` means another worker took the job over: stop at once. */
export function renewLease({
  db,
  jobId,
  worker,
  leaseMs,
  now = () => new Date(),
}: {
  db: Db;
  jobId: number;
  worker: string;
  leaseMs: number;
  now?: () => Date;
}): { held: boolean; cancelRequested: boolean } {
  const t = now();
  const { changes } = db
    .prepare("UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND lease_owner = ? AND state = 'running'")
    .run(t.getTime() + leaseMs, t.toISOString(), jobId, worker);
  const current = row(db, jobId);
  return { held: changes === 1, cancelRequested: current?.cancel_requested === 1 };
}

function finishAttempt(db: Db, jobId: number, attempt: number, outcome: string, error: string | null, ts: string): void {
  db.prepare('UPDATE job_attempts SET finished_at = ?, outcome = ?, error = ? WHERE job_id = ? AND attempt = ?').run(
    ts,
    outcome,
    error,
    jobId,
    attempt,
  );
}

/** Marks the job done, only if this worker still holds it. */
export function completeJob({
  db,
  job,
  worker,
  result,
  now = () => new Date(),
}: {
  db: Db;
  job: Job;
  worker: string;
  result: Record<string, unknown>;
  now?: () => Date;
}): boolean {
  return db
    .transaction(() => {
      const ts = now().toISOString();
      const { changes } = db
        .prepare(
          "UPDATE jobs SET state = 'done', result = ?, last_error = NULL, lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ? WHERE id = ? AND lease_owner = ? AND state = 'running'",
        )
        .run(JSON.stringify(result), ts, ts, job.id, worker);
      if (changes === 1) finishAttempt(db, job.id, job.attempts, 'done', null, ts);
      return changes === 1;
    })
    .immediate();
}

/** Exponential back-off between attempts: 30 s, 60 s, 120 s ... capped at 15 minutes. */
export function backoffMs(attempt: number, baseMs = 30_000): number {
  return Math.min(baseMs * 2 ** (attempt - 1), 15 * 60_000);
}

/**
 * Ends an attempt that failed. Transient failures go back to the queue after a
 * back-off until the attempts run out; permanent ones (bad input) fail now.
 */
export function failAttempt({
  db,
  job,
  worker,
  error,
  transient,
  cancelled = false,
  backoffBaseMs,
  now = () => new Date(),
}: {
  db: Db;
  job: Job;
  worker: string;
  error: string;
  transient: boolean;
  cancelled?: boolean;
  backoffBaseMs?: number;
  now?: () => Date;
}): JobState {
  return db
    .transaction(() => {
      const t = now();
      const ts = t.toISOString();
      const current = row(db, job.id);
      if (!current || current.lease_owner !== worker || current.state !== 'running') return current?.state ?? 'failed';
      const state: JobState =
        cancelled || current.cancel_requested ? 'cancelled' : transient && current.attempts < current.max_attempts ? 'queued' : 'failed';
      db.prepare(
        `UPDATE jobs SET state = ?, last_error = ?, not_before = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?, finished_at = ? WHERE id = ?`,
      ).run(
        state,
        error,
        state === 'queued' ? t.getTime() + backoffMs(current.attempts, backoffBaseMs) : 0,
        ts,
        state === 'queued' ? null : ts,
        job.id,
      );
      finishAttempt(db, job.id, current.attempts, state === 'cancelled' ? 'cancelled' : 'failed', error, ts);
      return state;
    })
    .immediate();
}

/**
 * A queued job is cancelled at once; a running one is flagged and its worker
 * stops ffmpeg and cleans up at its next heartbeat.
 */
export function cancelJob({ db, audit, id, now = () => new Date() }: { db: Db; audit?: AuditContext; id: number; now?: () => Date }): Job {
  return db
    .transaction(() => {
      const current = row(db, id);
      if (!current) throw jobNotFound(id);
      const ts = now().toISOString();
      if (current.state === 'queued') {
        db.prepare("UPDATE jobs SET state = 'cancelled', finished_at = ?, updated_at = ? WHERE id = ?").run(ts, ts, id);
      } else if (current.state === 'running') {
        db.prepare('UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?').run(ts, id);
      } else {
        throw userError(
          `job ${id} is already ${current.state}`,
          current.state === 'done' ? 'a finished job cannot be cancelled' : `re-queue it with \`mpegflow job retry ${id}\``,
          'JOB_NOT_CANCELLABLE',
        );
      }
      audit?.record(db, { target: `job ${id}`, detail: { from: current.state } });
      return fromRow(row(db, id)!);
    })
    .immediate();
}

/** Puts a failed or cancelled job back in the queue with fresh attempts. */
export function retryJob({ db, audit, id, now = () => new Date() }: { db: Db; audit?: AuditContext; id: number; now?: () => Date }): Job {
  return db
    .transaction(() => {
      const current = row(db, id);
      if (!current) throw jobNotFound(id);
      if (current.state !== 'failed' && current.state !== 'cancelled') {
        throw userError(
          `job ${id} is ${current.state}; only failed or cancelled jobs can be retried`,
          'see its state with `mpegflow job show ' + id + '`',
          'JOB_NOT_RETRYABLE',
        );
      }
      const live = db
        .prepare<[string, number], JobRow>("SELECT * FROM jobs WHERE job_key = ? AND id != ? AND state IN ('queued', 'running', 'done')")
        .get(current.job_key, id);
      if (live)
        throw userError(
          `the same encode is already ${live.state} as job ${live.id}`,
          `see it with \`mpegflow job show ${live.id}\``,
          'JOB_DUPLICATE',
        );
      const ts = now().toISOString();
      db.prepare(
        "UPDATE jobs SET state = 'queued', max_attempts = attempts + ?, not_before = 0, cancel_requested = 0, finished_at = NULL, updated_at = ? WHERE id = ?",
      ).run(DEFAULT_MAX_ATTEMPTS, ts, id);
      audit?.record(db, { target: `job ${id}`, detail: { from: current.state } });
      return fromRow(row(db, id)!);
    })
    .immediate();
}

/** Keeps the last lines of a job's log (ffmpeg's progress and errors, already redacted by the caller). */
export function appendJobLog(db: Db, jobId: number, lines: string[], now = () => new Date()): void {
  if (lines.length === 0) return;
  db.transaction(() => {
    const insert = db.prepare('INSERT INTO job_logs (job_id, ts, line) VALUES (?, ?, ?)');
    for (const line of lines) insert.run(jobId, now().toISOString(), line);
    db.prepare(
      'DELETE FROM job_logs WHERE job_id = ? AND id <= (SELECT id FROM job_logs WHERE job_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)',
    ).run(jobId, jobId, LOG_LINES_KEPT);
  }).immediate();
}
