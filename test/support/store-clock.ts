import assert from 'node:assert/strict';
import { openStore, type Db } from '../../src/core/store/open.ts';
import { stateFile } from '../../src/core/store/paths.ts';

/**
 * The store a spawned CLI uses: the SQLite state file under its
 * MPEGFLOW_HOME, or the PostgreSQL database of a pool.
 */
export type StoreOf = { home: string } | { databaseUrl: string };

async function withStore<T>(of: StoreOf, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openStore(
    'home' in of ? { file: stateFile({ MPEGFLOW_HOME: of.home }), migrate: 'never' } : { databaseUrl: of.databaseUrl, migrate: 'never' },
  );
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/**
 * What waiting out a lease would do, without the wait: the running job's
 * lease ends now by the store's clock (the one leases are judged by), as if
 * its worker had not renewed it since it ran out. Only for a worker that can
 * no longer renew it (killed, or stopped with SIGSTOP). The lease must still
 * be live: returns how long it had left, which the caller checks against the
 * `--lease-seconds` it gave, so the lease would have run out on its own by
 * then. That a lease runs out by the store's clock is the contract tests'
 * (test/contract/queue.test.ts, on both backends).
 */
export async function expireLease(of: StoreOf, jobId: number): Promise<number> {
  return withStore(of, (db) =>
    db.transaction(async (tx) => {
      const now = await tx.nowMs();
      const job = await tx.get<{ state: string; lease_expires_at: number | null }>(
        `SELECT state, lease_expires_at FROM jobs WHERE id = ?${tx.forUpdate}`,
        [jobId],
      );
      assert.equal(job?.state, 'running', `job ${jobId} is not running`);
      const left = Number(job.lease_expires_at) - now;
      assert.ok(left >= 0, `the lease of job ${jobId} had already run out (${-left} ms ago)`);
      await tx.run('UPDATE jobs SET lease_expires_at = ? WHERE id = ?', [now - 1, jobId]);
      return left;
    }),
  );
}

/**
 * Ends a queued job's back-off now by the store's clock. Returns the back-off
 * its last attempt was given (from the attempt's end to the time the job may
 * run again), so that the caller checks it is the one expected, and a job not
 * backing off at all fails the test.
 */
export async function endBackoff(of: StoreOf, jobId: number): Promise<number> {
  return withStore(of, (db) =>
    db.transaction(async (tx) => {
      const job = await tx.get<{ state: string; not_before: number }>(`SELECT state, not_before FROM jobs WHERE id = ?${tx.forUpdate}`, [
        jobId,
      ]);
      assert.equal(job?.state, 'queued', `job ${jobId} is not queued`);
      const last = await tx.get<{ finished_at: string }>(
        'SELECT finished_at FROM job_attempts WHERE job_id = ? ORDER BY attempt DESC LIMIT 1',
        [jobId],
      );
      assert.ok(last?.finished_at, `job ${jobId} has no finished attempt`);
      await tx.run('UPDATE jobs SET not_before = ? WHERE id = ?', [await tx.nowMs(), jobId]);
      return Number(job.not_before) - Date.parse(last.finished_at);
    }),
  );
}

/**
 * Moves the last heartbeat of a host's running workers `ms` into the past, as
 * if they had not beaten for that long (a worker stopped with SIGSTOP).
 */
export async function ageHeartbeats(of: StoreOf, host: string, ms: number): Promise<void> {
  await withStore(of, async (db) => {
    const { changes } = await db.run('UPDATE workers SET heartbeat_ms = heartbeat_ms - ? WHERE host = ? AND stopped_at IS NULL', [
      ms,
      host,
    ]);
    assert.ok(changes > 0, `no running worker on ${host}`);
  });
}
