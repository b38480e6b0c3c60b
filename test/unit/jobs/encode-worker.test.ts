import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditContext } from '../../../src/core/audit/context.ts';
import { listAudit } from '../../../src/core/audit/log.ts';
import { runEncodeWorker, type EncodeWorkerDeps } from '../../../src/core/jobs/encode-worker.ts';
import { workerExitCode } from '../../../src/core/jobs/worker-exit.ts';
import type { WorkerResult } from '../../../src/core/jobs/worker.ts';
import type { WorkerConcurrency } from '../../../src/core/license/encode-allowance.ts';
import { freshStores } from '../../support/store.ts';

const nextStore = freshStores();

const request = { drain: true, leaseSeconds: 60, pollSeconds: 1, backoffSeconds: 0 };

async function deps() {
  const db = await nextStore();
  const lowered: [number, WorkerConcurrency][] = [];
  const d: EncodeWorkerDeps = {
    db,
    audit: new AuditContext('worker', ['--drain']),
    onConcurrencyLowered: (asked, allowed) => lowered.push([asked, allowed]),
    onEvent: () => undefined,
    onProgress: () => () => undefined,
    interruptible: (work) => work(new AbortController().signal),
  };
  return { db, lowered, deps: d };
}

describe('a worker of queued encodes', () => {
  it('asked for more encodes at once than community mode allows, it says so before running', async () => {
    const { lowered, deps: d } = await deps();
    await runEncodeWorker({ ...request, concurrency: 3 }, d);
    assert.deepEqual(lowered, [[3, { concurrency: 1, poolLimit: 1, loweredBy: 'community mode' }]]);
  });

  it('within the limit it says nothing about it', async () => {
    const { lowered, deps: d } = await deps();
    await runEncodeWorker({ ...request, concurrency: 1 }, d);
    assert.deepEqual(lowered, []);
  });

  it('drains an empty queue and records the run in the audit log', async () => {
    const { db, deps: d } = await deps();
    const result = await runEncodeWorker({ ...request, concurrency: 1 }, d);
    assert.deepEqual(result.jobs, []);
    assert.equal(result.stoppedBy, 'drained');
    const [entry] = await listAudit(db);
    assert.equal(entry?.command, 'worker');
    assert.equal(entry?.target, `worker ${result.worker}`);
    assert.equal(entry?.outcome, 'success');
    assert.deepEqual(entry?.detail, { jobs: [], jobCount: 0, stoppedBy: 'drained', cwd: process.cwd() });
  });

  it('a run with a failed job exits 1', () => {
    const run = (states: WorkerResult['jobs'][number]['state'][]): WorkerResult => ({
      worker: 'w',
      host: 'h',
      jobs: states.map((state, i) => ({ id: i + 1, source: `s${i}`, state })),
      stoppedBy: 'drained',
    });
    assert.equal(workerExitCode(run([])), 0);
    assert.equal(workerExitCode(run(['done', 'done'])), 0);
    assert.equal(workerExitCode(run(['done', 'failed'])), 1);
  });
});
