import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { JobSpec } from '../../../src/core/jobs/model.ts';
import {
  appendJobLog,
  cancelJob,
  claimJob,
  completeJob,
  failAttempt,
  getJob,
  listJobs,
  renewLease,
  retryJob,
  submitJobs,
} from '../../../src/core/jobs/queue.ts';
import type { Db } from '../../../src/core/store/open.ts';
import { freshStores } from '../../support/store.ts';

function spec(source: string, over: Partial<JobSpec> = {}): JobSpec {
  return {
    source,
    sourceIdentity: `${source}@v1`,
    preset: 'hls-h264',
    presetFile: null,
    presetHash: 'p1',
    destination: 'central/out/',
    priority: 0,
    ...over,
  };
}

describe('job queue', () => {
  const nextStore = freshStores();
  let db: Db;
  let clock = 1_800_000_000_000;
  const now = () => new Date(clock);
  const lease = { leaseMs: 60_000, now };

  beforeEach(() => {
    db = nextStore();
  });

  it('skips a source version already queued or done, so cron re-runs add only what is new', () => {
    const first = await submitJobs({ db, specs: [spec('a.mov'), spec('b.mov')], now });
    assert.equal(first.submitted.length, 2);
    const again = await submitJobs({
      db,
      specs: [spec('a.mov'), spec('b.mov'), spec('c.mov'), spec('a.mov', { sourceIdentity: 'a.mov@v2' })],
      now,
    });
    assert.deepEqual(
      again.submitted.map((j) => j.source),
      ['c.mov', 'a.mov'],
    );
    assert.deepEqual(
      again.skipped.map((s) => s.reason),
      ['already queued as job 1', 'already queued as job 2'],
    );
    const other = await submitJobs({ db, specs: [spec('a.mov', { presetHash: 'p2' }), spec('a.mov', { destination: 'central/other/' })], now });
    assert.equal(other.submitted.length, 2, 'another preset or destination is another job');
  });

  it('hands out jobs by priority, each to one worker only', () => {
    await submitJobs({ db, specs: [spec('low.mov'), spec('high.mov', { priority: 5 }), spec('low2.mov')], now });
    const a = claimJob({ db, worker: 'w1', ...lease });
    const b = claimJob({ db, worker: 'w2', ...lease });
    const c = claimJob({ db, worker: 'w3', ...lease });
    assert.deepEqual([a?.source, b?.source, c?.source], ['high.mov', 'low.mov', 'low2.mov']);
    assert.equal(claimJob({ db, worker: 'w4', ...lease }), undefined);
  });

  it('reclaims a job whose worker died once its lease expires', () => {
    await submitJobs({ db, specs: [spec('a.mov')], now });
    const job = claimJob({ db, worker: 'dead', ...lease })!;
    assert.equal(claimJob({ db, worker: 'w2', ...lease }), undefined, 'lease still valid');
    clock += 61_000;
    const taken = claimJob({ db, worker: 'w2', ...lease })!;
    assert.equal(taken.id, job.id);
    assert.equal(taken.attempts, 2);
    assert.equal(renewLease({ db, jobId: job.id, worker: 'dead', ...lease }).held, false, 'the dead worker lost it');
    assert.equal(completeJob({ db, job, worker: 'dead', result: {}, now }), false, 'and cannot complete it');
    assert.equal(completeJob({ db, job: taken, worker: 'w2', result: { manifest: 'm' }, now }), true);
    const detail = await getJob(db, job.id);
    assert.equal(detail.state, 'done');
    assert.deepEqual(
      detail.attemptsLog.map((a) => a.outcome),
      ['lost', 'done'],
    );
  });

  it('retries transient failures with back-off, then fails with the cause', () => {
    await submitJobs({ db, specs: [spec('a.mov')], now });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const job = claimJob({ db, worker: 'w', ...lease })!;
      assert.ok(job, `attempt ${attempt} claimed`);
      const state = failAttempt({ db, job, worker: 'w', error: 'endpoint central unreachable', transient: true, backoffBaseMs: 1000, now });
      assert.equal(state, attempt < 3 ? 'queued' : 'failed');
      if (attempt < 3) {
        assert.equal(claimJob({ db, worker: 'w', ...lease }), undefined, 'backing off');
        clock += 1000 * 2 ** (attempt - 1);
      }
    }
    const failed = await getJob(db, 1);
    assert.equal(failed.lastError, 'endpoint central unreachable');
    assert.equal(failed.attemptsLog.length, 3);
    const retried = await retryJob({ db, id: 1, now });
    assert.equal(retried.state, 'queued');
    assert.ok(claimJob({ db, worker: 'w', ...lease }));
  });

  it('fails permanent errors at once', () => {
    await submitJobs({ db, specs: [spec('corrupt.mov')], now });
    const job = claimJob({ db, worker: 'w', ...lease })!;
    assert.equal(failAttempt({ db, job, worker: 'w', error: 'not a video', transient: false, now }), 'failed');
  });

  it('cancels queued jobs at once and running ones through their worker', () => {
    await submitJobs({ db, specs: [spec('a.mov'), spec('b.mov')], now });
    const running = claimJob({ db, worker: 'w', ...lease })!;
    assert.equal(await cancelJob({ db, id: 2, now }).state, 'cancelled');
    assert.equal(await cancelJob({ db, id: running.id, now }).cancelRequested, true);
    assert.deepEqual(renewLease({ db, jobId: running.id, worker: 'w', ...lease }), { held: true, cancelRequested: true });
    assert.equal(failAttempt({ db, job: running, worker: 'w', error: 'cancelled', transient: false, cancelled: true, now }), 'cancelled');
    assert.throws(() => await cancelJob({ db, id: 2, now }), /already cancelled/);
    assert.throws(() => await cancelJob({ db, id: 99, now }), /no job 99/);
    assert.throws(() => await retryJob({ db, id: 99, now }), /no job 99/);
  });

  it('a cancelled job whose worker died is not handed out again', () => {
    await submitJobs({ db, specs: [spec('a.mov')], now });
    claimJob({ db, worker: 'dead', ...lease });
    await cancelJob({ db, id: 1, now });
    clock += 120_000;
    assert.equal(claimJob({ db, worker: 'w', ...lease }), undefined);
    assert.equal(await getJob(db, 1).state, 'cancelled');
  });

  it('keeps only the tail of a job log', () => {
    await submitJobs({ db, specs: [spec('a.mov')], now });
    appendJobLog(
      db,
      1,
      Array.from({ length: 250 }, (_, i) => `line ${i}`),
      now,
    );
    const detail = await getJob(db, 1, 5);
    assert.deepEqual(
      detail.logTail.map((l) => l.line),
      ['line 245', 'line 246', 'line 247', 'line 248', 'line 249'],
    );
    assert.equal((db.prepare('SELECT count(*) AS n FROM job_logs').get() as { n: number }).n, 200);
    assert.equal(await listJobs(db, { state: 'queued' }).length, 1);
  });
});
