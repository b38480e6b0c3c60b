import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, it } from 'node:test';
import { cancelJob, DEFAULT_MAX_ATTEMPTS, getJob } from '../../src/core/jobs/queue.ts';
import { submitJobs } from '../../src/core/jobs/submit.ts';
import { runWorker, type JobContext } from '../../src/core/jobs/worker.ts';
import { listWorkers, registerWorker } from '../../src/core/jobs/workers.ts';
import type { Db } from '../../src/core/store/open.ts';
import { forEachBackend } from '../support/backends.ts';

const spec = (source: string) => ({
  source,
  sourceIdentity: source,
  preset: 'p',
  presetFile: null,
  presetHash: 'h',
  destination: 'd',
  priority: 0,
  needs: ['endpoint:e'],
});
const classify = (error: unknown) => ({ message: (error as Error).message, transient: /unreachable/.test((error as Error).message) });

function untilAborted(ctx: JobContext): Promise<never> {
  return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
}

/** Publish and discard steps that say whether they ran. */
function recorded(name: string, ran: { published: string[]; discarded: string[] }) {
  return { publish: async () => void ran.published.push(name), discard: async () => void ran.discarded.push(name) };
}

forEachBackend('worker loop', (backend) => {
  let db: Db;
  /** A cron run (`worker --drain`) on a host with endpoint e. */
  const drainOnce = (options: Partial<Parameters<typeof runWorker>[0]> & Pick<Parameters<typeof runWorker>[0], 'execute'>) =>
    runWorker({ db, endpoints: ['e'], drain: true, classify, pollMs: 10, ...options });
  beforeEach(async () => {
    db = await backend.fresh();
  });

  it('a worker that beats slowly (a long lease) is alive between its beats, and dead after two missed', async () => {
    await registerWorker(db, { id: 'slow', host: 'h', pid: 1, version: 'v', concurrency: 1, endpoints: ['e'], heartbeatEveryMs: 150_000 });
    backend.advance(140_000);
    assert.equal((await listWorkers(db))[0]!.status, 'alive', 'past the default 2 minutes, but not a beat late');
    backend.advance(170_000);
    assert.equal((await listWorkers(db))[0]!.status, 'dead');
  });

  it('drains the queue with at most N jobs at a time', async () => {
    await submitJobs({ db, specs: ['a', 'b', 'c', 'd', 'e'].map(spec) });
    let active = 0;
    let peak = 0;
    let twoRunning!: () => void;
    const two = new Promise<void>((resolve) => (twoRunning = resolve));
    const result = await runWorker({
      db,
      endpoints: ['e'],
      concurrency: 2,
      drain: true,
      classify,
      pollMs: 10,
      execute: async (job) => {
        peak = Math.max(peak, ++active);
        if (active === 2) twoRunning();
        // the first job waits for a second one (a claim on PostgreSQL can outlast a short job), so the bound is measured, not raced
        await Promise.race([two, sleep(5000, undefined, { ref: false })]);
        await sleep(20);
        active--;
        return { result: { encoded: job.source } };
      },
    });
    assert.equal(peak, 2);
    assert.deepEqual(
      result.jobs.map((j) => j.state),
      ['done', 'done', 'done', 'done', 'done'],
    );
    assert.equal(result.stoppedBy, 'drained');
    assert.deepEqual((await getJob(db, 3)).result, { encoded: 'c' });
    const [worker] = await listWorkers(db);
    assert.equal(worker!.jobsDone, 5);
    assert.equal(worker!.status, 'stopped');
  });

  it('stops after --max-jobs', async () => {
    await submitJobs({ db, specs: ['a', 'b', 'c'].map(spec) });
    const result = await runWorker({
      db,
      endpoints: ['e'],
      maxJobs: 2,
      drain: true,
      classify,
      pollMs: 10,
      execute: async () => ({ result: {} }),
    });
    assert.equal(result.jobs.length, 2);
    assert.equal(result.stoppedBy, 'max-jobs');
  });

  it('re-queues transient failures and fails bad input', async () => {
    await submitJobs({ db, specs: ['flaky', 'corrupt'].map(spec) });
    const result = await runWorker({
      db,
      endpoints: ['e'],
      drain: true,
      classify,
      pollMs: 10,
      backoffBaseMs: 60_000,
      execute: async (job) => {
        throw new Error(job.source === 'flaky' ? 'endpoint unreachable' : 'not a video');
      },
    });
    assert.deepEqual(
      result.jobs.map((j) => [j.source, j.state]),
      [
        ['flaky', 'queued'],
        ['corrupt', 'failed'],
      ],
    );
  });

  it('a cancel request aborts the running job at the next heartbeat', async () => {
    await submitJobs({ db, specs: [spec('long')] });
    let sawAbort = false;
    const worker = runWorker({
      db,
      endpoints: ['e'],
      drain: true,
      classify,
      pollMs: 10,
      leaseMs: 1000,
      heartbeatMs: 20,
      execute: async (_job, ctx) => {
        ctx.signal.addEventListener('abort', () => (sawAbort = true));
        return untilAborted(ctx);
      },
    });
    await sleep(50);
    await cancelJob({ db, id: 1 });
    const result = await worker;
    assert.ok(sawAbort);
    assert.equal(result.jobs[0]!.state, 'cancelled');
    assert.equal((await getJob(db, 1)).state, 'cancelled');
  });

  it('stopping the worker hands its running job back to the queue at once, and the attempt does not count: stopped more often than max attempts, it is still queued', async () => {
    await submitJobs({ db, specs: [spec('long')] });
    for (let restart = 0; restart < DEFAULT_MAX_ATTEMPTS + 1; restart++) {
      const stop = new AbortController();
      const worker = runWorker({
        db,
        endpoints: ['e'],
        classify,
        pollMs: 10,
        signal: stop.signal,
        execute: (_job, ctx) => untilAborted(ctx),
        onEvent: (event) => event.type === 'claimed' && setTimeout(() => stop.abort(), 20),
      });
      const result = await worker;
      assert.equal(result.stoppedBy, 'signal');
      assert.deepEqual(
        result.jobs.map((j) => j.state),
        ['queued'],
      );
    }
    const job = await getJob(db, 1);
    assert.equal(job.state, 'queued');
    assert.equal(job.attempts, DEFAULT_MAX_ATTEMPTS + 1);
    assert.deepEqual(
      job.attemptsLog.map((a) => a.outcome),
      Array(DEFAULT_MAX_ATTEMPTS + 1).fill('stopped'),
    );
    const done = await drainOnce({ execute: async () => ({ result: {} }) });
    assert.deepEqual(
      done.jobs.map((j) => j.state),
      ['done'],
      'claimable again at once, and still allowed to run',
    );
  });

  it('stopped while a claim is under way: the claimed job is handed back, not run', async () => {
    await submitJobs({ db, specs: [spec('a'), spec('b')] });
    const stop = new AbortController();
    const ran: string[] = [];
    const result = await runWorker({
      db,
      endpoints: ['e'],
      concurrency: 2,
      classify,
      pollMs: 10,
      signal: stop.signal,
      // the event comes as the claim returns: the stop lands before the job starts
      onEvent: (event) => event.type === 'claimed' && stop.abort(),
      execute: async (job) => {
        ran.push(job.source);
        await sleep(300);
        return { result: {} };
      },
    });
    assert.deepEqual(ran, []);
    assert.equal(result.stoppedBy, 'signal');
    assert.deepEqual(
      result.jobs.map((j) => j.state),
      ['queued'],
      'one claim, then no more',
    );
    assert.equal((await getJob(db, 1)).state, 'queued');
    assert.equal((await getJob(db, 2)).attempts, 0);
  });

  it('a publish that fails fails the attempt as classified, at once: it is not a store outage to wait out', async () => {
    await submitJobs({ db, specs: [spec('refused')] });
    const events: string[] = [];
    const result = await drainOnce({
      onEvent: (event) => events.push(event.type),
      execute: async () => ({
        result: {},
        publish: async () => {
          throw new Error('central refused the write (AccessDenied)');
        },
      }),
    });
    assert.deepEqual(
      result.jobs.map((j) => [j.state, j.error]),
      [['failed', 'central refused the write (AccessDenied)']],
    );
    assert.ok(!events.includes('store-unavailable'), events.join(', '));
    const job = await getJob(db, 1);
    assert.equal(job.state, 'failed');
    assert.equal(job.lastError, 'central refused the write (AccessDenied)');
  });

  it('a cancel that lands after the last heartbeat is honoured at publish: outputs discarded, the job cancelled', async () => {
    await submitJobs({ db, specs: [spec('late')] });
    const ran = { published: [] as string[], discarded: [] as string[] };
    const result = await drainOnce({
      leaseMs: 60_000,
      execute: async (job) => {
        await cancelJob({ db, id: job.id }); // the next heartbeat is 15 s away
        return { result: {}, ...recorded(job.source, ran) };
      },
    });
    assert.deepEqual(
      result.jobs.map((j) => j.state),
      ['cancelled'],
    );
    assert.deepEqual(ran, { published: [], discarded: ['late'] });
    assert.equal((await getJob(db, 1)).state, 'cancelled');
  });

  it("a failure after another worker took the job over is not reported as this worker's, whatever became of the job", async () => {
    await submitJobs({ db, specs: [spec('taken')] });
    const events: string[] = [];
    const result = await drainOnce({
      onEvent: (event) => events.push(event.type),
      execute: async () => {
        // taken over while this one was paused, and failed for good by its new owner
        await db.run("UPDATE jobs SET state = 'failed', lease_owner = 'other', lease_generation = lease_generation + 1 WHERE id = 1");
        throw new Error('not a video');
      },
    });
    assert.deepEqual(result.jobs, [], "the new owner's failure is not this run's");
    assert.ok(events.includes('lease-lost'), events.join(', '));
    assert.equal((await listWorkers(db))[0]!.jobsFailed, 0);
  });

  it('abandons a job another worker took over after its lease ran out', async () => {
    await submitJobs({ db, specs: [spec('slow')] });
    const events: string[] = [];
    const worker = runWorker({
      db,
      endpoints: ['e'],
      drain: true,
      classify,
      pollMs: 10,
      leaseMs: 1000,
      heartbeatMs: 20,
      workerId: 'stalled',
      onEvent: (e) => events.push(e.type),
      execute: (_job, ctx) => untilAborted(ctx),
    });
    await sleep(50);
    await db.run("UPDATE jobs SET lease_owner = 'other', lease_generation = lease_generation + 1 WHERE id = 1");
    const result = await worker;
    assert.ok(events.includes('lease-lost'));
    assert.equal(result.jobs.length, 0);
    assert.equal((await getJob(db, 1)).leaseOwner, 'other', 'the new owner keeps it');
  });

  it('leaves jobs it cannot run to other hosts, and says it drained', async () => {
    await submitJobs({ db, specs: [spec('needs-e')] });
    const result = await drainOnce({ endpoints: ['other'], execute: async () => ({ result: {} }) });
    assert.equal(result.jobs.length, 0);
    assert.equal((await getJob(db, 1)).state, 'queued');
  });

  it('publishes only under its lease: a stalled worker discards its outputs', async () => {
    await submitJobs({ db, specs: [spec('a')] });
    const ran = { published: [] as string[], discarded: [] as string[] };
    const result = await drainOnce({
      workerId: 'stalled',
      execute: async () => {
        // another host takes the job over while this one was paused
        await db.run("UPDATE jobs SET lease_owner = 'other', lease_generation = lease_generation + 1 WHERE id = 1");
        return { result: {}, ...recorded('stalled', ran) };
      },
    });
    assert.deepEqual(ran, { published: [], discarded: ['stalled'] });
    assert.equal(result.jobs.length, 0);
    assert.equal((await getJob(db, 1)).state, 'running', "still the new owner's");
  });
});
