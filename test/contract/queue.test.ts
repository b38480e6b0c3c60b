import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';
import type { JobSpec } from '../../src/core/jobs/model.ts';
import {
  appendJobLog,
  backoffMs,
  cancelJob,
  claimJob,
  failAttempt,
  getJob,
  listJobs,
  publishJob,
  renewLease,
  retryJob,
} from '../../src/core/jobs/queue.ts';
import { queueJobs, submitJobs, SubmitTally, withoutLiveJobs, type KeyedSpec } from '../../src/core/jobs/submit.ts';
import { queueMetrics } from '../../src/core/jobs/queue-metrics.ts';
import type { Db } from '../../src/core/store/open.ts';
import { forEachBackend } from '../support/backends.ts';
import { until } from '../support/wait.ts';

function spec(source: string, over: Partial<JobSpec> = {}): JobSpec {
  return {
    source,
    sourceIdentity: `${source}@v1`,
    preset: 'hls-h264',
    presetFile: null,
    presetHash: 'p1',
    destination: 'central/out/',
    priority: 0,
    needs: ['endpoint:central'],
    ...over,
  };
}

forEachBackend('job queue', (backend) => {
  let db: Db;
  const claim = (worker: string, over: { capabilities?: string[]; poolLimit?: number; on?: Db } = {}) =>
    claimJob({
      db: over.on ?? db,
      worker,
      host: `${worker}-host`,
      leaseMs: 60_000,
      capabilities: over.capabilities ?? 'any',
      poolLimit: over.poolLimit,
    });

  beforeEach(async () => {
    db = await backend.fresh();
  });

  it('queues thousands in batches; a source given twice is skipped naming the job queued for it', async () => {
    const specs = Array.from({ length: 1200 }, (_, i) => spec(`s${i}.mov`));
    specs.splice(10, 0, spec('s3.mov')); // twice in one insert batch
    specs.push(spec('s700.mov')); // and in another batch than its first
    const result = await submitJobs({ db, specs });
    assert.deepEqual(result.counts, { submitted: 1200, skipped: 2, notMedia: 0 });
    assert.equal(result.submitted.length, 1000, 'the result lists the first 1000');
    const ids = new Map(result.submitted.map((j) => [j.source, j.id]));
    const first = result.submitted[0]!.id;
    assert.equal(result.jobIds, `${first}-${first + 1199}`);
    assert.deepEqual(
      result.skipped.map((s) => [s.source, s.jobId]),
      [
        ['s3.mov', ids.get('s3.mov')],
        ['s700.mov', ids.get('s700.mov')],
      ],
    );
    assert.equal((await listJobs(db, { limit: 5000 })).length, 1200);
  });

  it('skips a source version already queued or done, so cron re-runs add only what is new', async () => {
    const first = await submitJobs({ db, specs: [spec('a.mov'), spec('b.mov')] });
    assert.equal(first.submitted.length, 2);
    const again = await submitJobs({
      db,
      specs: [spec('a.mov'), spec('b.mov'), spec('c.mov'), spec('a.mov', { sourceIdentity: 'a.mov@v2' })],
    });
    assert.deepEqual(
      again.submitted.map((j) => j.source),
      ['c.mov', 'a.mov'],
    );
    assert.deepEqual(
      again.skipped.map((s) => s.reason),
      ['already queued as job 1', 'already queued as job 2'],
    );
    const other = await submitJobs({ db, specs: [spec('a.mov', { presetHash: 'p2' }), spec('a.mov', { destination: 'central/other/' })] });
    assert.equal(other.submitted.length, 2, 'another preset or destination is another job');
  });

  it('screens out live jobs while listing, and checks again when queueing: a quicker submitter is not queued twice', async () => {
    await submitJobs({ db, specs: [spec('a.mov'), spec('b.mov')] });
    const failed = (await claim('w1'))!;
    await failAttempt({ db, lease: failed, error: 'corrupt', transient: false });
    async function* listing() {
      yield [spec('a.mov'), spec('b.mov')];
      yield [spec('c.mov'), spec('d.mov')];
    }
    const tally = new SubmitTally();
    const candidates: KeyedSpec[] = [];
    for await (const keyed of withoutLiveJobs(db, listing(), tally)) candidates.push(...keyed);
    assert.deepEqual(
      candidates.map((k) => k.spec.source),
      [failed.source, 'c.mov', 'd.mov'],
      'a failed job is not live: it is queued again',
    );
    await submitJobs({ db, specs: [spec('d.mov')] }); // another submitter, between the listing and the queueing
    async function* spooled() {
      yield candidates;
    }
    const result = await queueJobs({ db, keyed: spooled(), tally });
    assert.deepEqual(
      result.submitted.map((j) => j.source),
      [failed.source, 'c.mov'],
    );
    assert.deepEqual(result.counts, { submitted: 2, skipped: 2, notMedia: 0 });
    assert.deepEqual(
      result.skipped.map((s) => s.source),
      [failed.source === 'a.mov' ? 'b.mov' : 'a.mov', 'd.mov'],
    );
    assert.equal((await listJobs(db, { limit: 50 })).filter((j) => j.source === 'd.mov').length, 1);
  });

  it(
    'two submissions of one prefix at once: the later one skips what the other queued meanwhile and queues the rest',
    { skip: backend.name === 'sqlite' && 'SQLite serialises submissions (BEGIN IMMEDIATE): they cannot overlap' },
    async () => {
      const other = await backend.another();
      const batch = Array.from({ length: 500 }, (_, i) => spec(`clip-${i}.mov`));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let firstBatchInserted!: () => void;
      const inserted = new Promise<void>((resolve) => (firstBatchInserted = resolve));
      async function* slowListing() {
        yield* batch;
        yield spec('late.mov'); // pulled once the first 500 are inserted, in a transaction still open
        firstBatchInserted();
        await released;
      }
      const finished: string[] = [];
      const first = submitJobs({ db, specs: slowListing() }).finally(() => finished.push('first'));
      await inserted;
      // not committed yet: the second submitter's lookup cannot see them, and its INSERT waits on them
      const second = submitJobs({ db: other, specs: [spec('clip-7.mov'), spec('new.mov'), spec('clip-499.mov')] }).finally(() =>
        finished.push('second'),
      );
      // seen from a third connection: the second submitter waits on a lock the open transaction holds
      const observer = await backend.another();
      await until('the second submitter to wait on a lock', async () => {
        const waiting = await observer.get<{ n: number }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        return Number(waiting!.n) > 0;
      });
      assert.deepEqual(finished, [], 'neither submission finished while the first transaction is open');
      release();
      const [a, b] = await Promise.all([first, second]);
      assert.deepEqual(finished, ['first', 'second'], 'the second submitter went on only once the first committed');
      assert.deepEqual(a.counts, { submitted: 501, skipped: 0, notMedia: 0 });
      assert.deepEqual(b.counts, { submitted: 1, skipped: 2, notMedia: 0 });
      assert.deepEqual(
        b.submitted.map((j) => j.source),
        ['new.mov'],
      );
      assert.deepEqual(
        b.skipped.map((s) => [s.source, s.reason]),
        [
          ['clip-7.mov', `already queued as job ${a.submitted[7]!.id}`],
          ['clip-499.mov', `already queued as job ${a.submitted[499]!.id}`],
        ],
      );
      assert.equal((await listJobs(db, { limit: 1000 })).length, 502);
    },
  );

  it('measures the queue for monitoring: by state, the oldest queued, the last hour by outcome', async () => {
    await submitJobs({ db, specs: [spec('a.mov'), spec('b.mov'), spec('c.mov')] });
    const before = await queueMetrics(db);
    assert.deepEqual(before.jobs, { queued: 3, running: 0, done: 0, failed: 0, cancelled: 0 });
    assert.ok(before.oldestQueuedSeconds !== null && before.oldestQueuedSeconds < 60, String(before.oldestQueuedSeconds));
    const done = (await claim('w1'))!;
    assert.equal(await publishJob({ db, lease: done, result: {} }), 'published');
    const failed = (await claim('w1'))!;
    await failAttempt({ db, lease: failed, error: 'corrupt', transient: false });
    await claim('w2');
    const after = await queueMetrics(db);
    assert.deepEqual(after.jobs, { queued: 0, running: 1, done: 1, failed: 1, cancelled: 0 });
    assert.equal(after.oldestQueuedSeconds, null);
    assert.deepEqual(after.lastHour, { done: 1, failed: 1, lost: 0 });
  });

  it('hands out jobs by priority, each to one worker only', async () => {
    await submitJobs({ db, specs: [spec('low.mov'), spec('high.mov', { priority: 5 }), spec('low2.mov')] });
    const a = await claim('w1');
    const b = await claim('w2');
    const c = await claim('w3');
    assert.deepEqual([a?.source, b?.source, c?.source], ['high.mov', 'low.mov', 'low2.mov']);
    assert.equal(await claim('w4'), undefined);
  });

  it('never gives one job to two claimers racing from separate connections', async () => {
    await submitJobs({ db, specs: Array.from({ length: 40 }, (_, i) => spec(`s${i}.mov`)) });
    // SQLite: one connection per process (a second one in the same process would wait on its own lock holder)
    const stores =
      backend.name === 'postgres' ? [db, await backend.another(), await backend.another(), await backend.another()] : [db, db, db, db];
    const taken: number[] = [];
    await Promise.all(
      stores.map(async (store, w) => {
        for (;;) {
          const job = await claim(`w${w}`, { on: store });
          if (!job) return;
          taken.push(job.id);
        }
      }),
    );
    assert.equal(taken.length, 40);
    assert.equal(new Set(taken).size, 40, 'every job claimed exactly once');
  });

  it('reclaims a job whose worker died once its lease expires (by the store clock), and fences the old owner out', async () => {
    await submitJobs({ db, specs: [spec('a.mov')] });
    const job = (await claim('dead'))!;
    assert.equal(job.leaseGeneration, 1);
    assert.equal(await claim('w2'), undefined, 'lease still valid');
    backend.advance(61_000);
    const taken = (await claim('w2'))!;
    assert.equal(taken.id, job.id);
    assert.equal(taken.attempts, 2);
    assert.equal(taken.leaseGeneration, 2);
    assert.equal(taken.lostLeases, 1);
    assert.equal((await renewLease({ db, lease: job, leaseMs: 60_000 })).held, false, 'the dead worker lost it');
    let stalePublished = false;
    assert.equal(await publishJob({ db, lease: job, result: {}, publish: async () => void (stalePublished = true) }), 'lost');
    assert.equal(stalePublished, false, 'a stale worker never runs its publish step');
    assert.equal(await publishJob({ db, lease: taken, result: { manifest: 'm' } }), 'published');
    const detail = await getJob(db, job.id);
    assert.equal(detail.state, 'done');
    assert.deepEqual(
      detail.attemptsLog.map((a) => [a.outcome, a.host, a.generation]),
      [
        ['lost', 'dead-host', 1],
        ['done', 'w2-host', 2],
      ],
    );
  });

  it('a failing publish step leaves the job running for its owner, not done', async () => {
    await submitJobs({ db, specs: [spec('a.mov')] });
    const job = (await claim('w'))!;
    await assert.rejects(
      publishJob({
        db,
        lease: job,
        result: {},
        publish: async () => {
          throw new Error('storage went away');
        },
      }),
      /storage went away/,
    );
    assert.equal((await getJob(db, job.id)).state, 'running');
  });

  it('retries transient failures with back-off, then fails with the cause', async () => {
    await submitJobs({ db, specs: [spec('a.mov')] });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const job = (await claim('w'))!;
      assert.ok(job, `attempt ${attempt} claimed`);
      const state = await failAttempt({ db, lease: job, error: 'endpoint central unreachable', transient: true, backoffBaseMs: 1000 });
      assert.equal(state, attempt < 3 ? 'queued' : 'failed');
      if (attempt < 3) {
        assert.equal(await claim('w'), undefined, 'backing off');
        backend.advance(1000 * 2 ** (attempt - 1) + 10);
      }
    }
    const failed = await getJob(db, 1);
    assert.equal(failed.lastError, 'endpoint central unreachable');
    assert.equal(failed.attemptsLog.length, 3);
    const retried = await retryJob({ db, id: 1 });
    assert.equal(retried.state, 'queued');
    assert.ok(await claim('w'));
  });

  it('a retry gives the job as many fresh attempts as it was submitted with', async () => {
    await submitJobs({ db, specs: [spec('a.mov')], maxAttempts: 5 });
    const job = (await claim('w'))!;
    assert.equal(await failAttempt({ db, lease: job, error: 'not a video', transient: false }), 'failed');
    const retried = await retryJob({ db, id: job.id });
    assert.equal(retried.maxAttempts, 1 + 5, 'the one used, and five more');
  });

  it('attempts lost to dead workers do not use up the attempts', async () => {
    await submitJobs({ db, specs: [spec('a.mov')], maxAttempts: 2 });
    // from the second death in a row the job waits out a back-off (at most 15 minutes) before it is handed out again
    const claimInTime = async (worker: string) => (await claim(worker)) ?? (backend.advance(15 * 60_000), await claim(worker));
    for (let i = 0; i < 3; i++) {
      assert.ok(await claimInTime(`dies-${i}`));
      backend.advance(61_000);
    }
    const job = (await claimInTime('w'))!;
    assert.equal(job.attempts, 4);
    assert.equal(job.lostLeases, 3);
    assert.equal(
      await failAttempt({ db, lease: job, error: 'slow down', transient: true, backoffBaseMs: 1 }),
      'queued',
      'one real failure of two allowed',
    );
  });

  it('fails permanent errors at once', async () => {
    await submitJobs({ db, specs: [spec('corrupt.mov')] });
    const job = (await claim('w'))!;
    assert.equal(await failAttempt({ db, lease: job, error: 'not a video', transient: false }), 'failed');
  });

  it('cancels queued jobs at once and running ones through their worker', async () => {
    await submitJobs({ db, specs: [spec('a.mov'), spec('b.mov')] });
    const running = (await claim('w'))!;
    assert.equal((await cancelJob({ db, id: 2 })).state, 'cancelled');
    assert.equal((await cancelJob({ db, id: running.id })).cancelRequested, true);
    assert.deepEqual(await renewLease({ db, lease: running, leaseMs: 60_000 }), { held: true, cancelRequested: true });
    assert.equal(await failAttempt({ db, lease: running, error: 'cancelled', transient: false, cancelled: true }), 'cancelled');
    await assert.rejects(cancelJob({ db, id: 2 }), /already cancelled/);
    await assert.rejects(cancelJob({ db, id: 99 }), /no job 99/);
    await assert.rejects(retryJob({ db, id: 99 }), /no job 99/);
  });

  it('a cancelled job whose worker died is not handed out again', async () => {
    await submitJobs({ db, specs: [spec('a.mov')] });
    await claim('dead');
    await cancelJob({ db, id: 1 });
    backend.advance(120_000);
    assert.equal(await claim('w'), undefined);
    assert.equal((await getJob(db, 1)).state, 'cancelled');
  });

  it('a job whose worker keeps dying waits longer each time, then fails, instead of going from host to host for ever', async () => {
    await submitJobs({ db, specs: [spec('poison.mov')], maxAttempts: 2 });
    assert.equal((await claim('w0'))?.source, 'poison.mov');
    for (let death = 1; death < 4; death++) {
      backend.advance(120_000); // its worker died with it
      const taken = await claim(`w${death}`);
      if (death === 1) {
        assert.equal(taken?.source, 'poison.mov', 'one death is a host going away: taken over at once');
        continue;
      }
      assert.equal(taken, undefined, `after ${death} deaths in a row it is not handed out at once`);
      assert.equal((await getJob(db, 1)).lastError, `its worker died or stalled past its lease in each of its last ${death} attempts`);
      backend.advance(backoffMs(death - 1) - 1_000);
      assert.equal(await claim('early'), undefined, `it waits ${backoffMs(death - 1) / 1000} s`);
      backend.advance(1_000);
      assert.equal((await claim(`w${death}`))?.source, 'poison.mov');
    }
    backend.advance(120_000);
    await submitJobs({ db, specs: [spec('next.mov')] });
    assert.equal((await claim('w4'))?.source, 'next.mov', 'failed on the way, and the claim goes on to the next job');
    const job = await getJob(db, 1);
    assert.equal(job.state, 'failed');
    assert.match(job.lastError!, /worker died or stalled past its lease in each of its last 4 attempts/);
    assert.deepEqual(
      job.attemptsLog.map((a) => a.outcome),
      ['lost', 'lost', 'lost', 'lost'],
    );
  });

  it('leaves a job to hosts that hold what it needs', async () => {
    await submitJobs({
      db,
      specs: [spec('a.mov', { needs: ['endpoint:central', 'endpoint:archive'] }), spec('b.mov', { needs: ['host:h1'] })],
    });
    assert.equal(await claim('w', { capabilities: ['endpoint:central'] }), undefined, 'no archive secret, not host h1');
    const b = await claim('w', { capabilities: ['host:h1'] });
    assert.equal(b?.source, 'b.mov');
    const a = await claim('w', { capabilities: ['endpoint:archive', 'endpoint:edge', 'endpoint:central'] });
    assert.equal(a?.source, 'a.mov');
  });

  it('a host finds the job it can run behind any number it cannot, ahead of it in the queue', async () => {
    await submitJobs({
      db,
      specs: [
        ...Array.from({ length: 60 }, (_, i) => spec(`tokyo-${i}.mov`, { needs: ['endpoint:tokyo'], priority: 5 })),
        spec('paris.mov', { needs: ['endpoint:paris'] }),
        spec('anywhere.mov', { needs: [] }),
      ],
    });
    assert.equal((await claim('w', { capabilities: ['endpoint:paris', 'host:w-host'] }))?.source, 'paris.mov');
    assert.equal((await claim('w', { capabilities: ['endpoint:paris', 'host:w-host'] }))?.source, 'anywhere.mov');
    assert.equal(await claim('w', { capabilities: ['endpoint:paris'] }), undefined);
  });

  it('caps encodes running at once across every host sharing the store', async () => {
    await submitJobs({ db, specs: ['a', 'b', 'c'].map((s) => spec(s)) });
    const other = await backend.another();
    assert.ok(await claim('host1', { poolLimit: 2 }));
    assert.ok(await claim('host2', { poolLimit: 2, on: other }));
    assert.equal(await claim('host3', { poolLimit: 2, on: other }), undefined, 'the pool holds its 2 licensed encodes');
    backend.advance(61_000);
    assert.ok(await claim('host3', { poolLimit: 2 }), 'expired leases free their slots');
  });

  it('keeps only the tail of a job log', async () => {
    await submitJobs({ db, specs: [spec('a.mov')] });
    await appendJobLog(
      db,
      1,
      Array.from({ length: 250 }, (_, i) => ({ ts: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), line: `line ${i}` })),
    );
    const detail = await getJob(db, 1, 5);
    assert.deepEqual(
      detail.logTail.map((l) => l.line),
      ['line 245', 'line 246', 'line 247', 'line 248', 'line 249'],
    );
    assert.equal(detail.logTail[0]!.ts, '2026-01-01T00:04:05.000Z', 'each line keeps the time it happened');
    assert.equal(Number((await db.get<{ n: number }>('SELECT count(*) AS n FROM job_logs'))!.n), 200);
    assert.equal((await listJobs(db, { state: 'queued' })).length, 1);
  });

  it('wakes an idle worker when a job is submitted', async () => {
    const listener = await backend.another();
    const started = Date.now();
    const woken = listener.waitFor('mpegflow_jobs', backend.name === 'postgres' ? 5000 : 1000);
    await new Promise((r) => setTimeout(r, 200));
    await submitJobs({ db, specs: [spec('a.mov')] });
    if (backend.name === 'postgres') {
      assert.equal(await woken, true);
      assert.ok(Date.now() - started < 4000, 'woken by NOTIFY, not by the timeout');
    } else {
      assert.equal(await woken, false, 'SQLite processes have no notifications: they poll');
    }
  });
});
