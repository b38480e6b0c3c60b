import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { QueueMetrics } from '../../../src/core/jobs/queue-metrics.ts';
import { parseJson, tempHome } from '../../support/cli.ts';
import { runInProcess } from '../../support/in-process.ts';
import { makeGarbage, makeVideo } from '../../support/media.ts';

/** `job metrics`: what node_exporter serves of the queue, from a real queue a real worker drained. */
describe('job metrics (the queue for monitoring)', () => {
  const { home, cleanup } = tempHome('mpegflow-job-metrics-');
  after(cleanup);
  const cli = (args: string[]) => runInProcess(args, { home, timeoutMs: 120_000 });
  const metrics = async (...args: string[]) => parseJson<QueueMetrics>(await cli(['job', 'metrics', '--json', ...args]));

  it('an empty queue: nothing waits, no worker seen', async () => {
    const empty = await metrics();
    assert.deepEqual(empty, {
      jobs: { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0 },
      oldestQueuedSeconds: null,
      lastHour: { done: 0, failed: 0, lost: 0 },
      workers: [],
    });
  });

  it('counts jobs by state and the last hour by outcome after a drain, and writes them as a textfile', async () => {
    const folder = path.join(home, 'media');
    mkdirSync(folder);
    makeVideo(path.join(folder, 'good.mp4'), { width: 320, height: 240, seconds: 1 });
    makeGarbage(path.join(folder, 'broken.mp4'));
    const out = path.join(home, 'out');
    const submitted = await cli(['job', 'submit', path.join(folder, 'good.mp4'), '--preset', 'proxy', '--to', out]);
    assert.equal(submitted.code, 0, submitted.stderr);
    const waiting = await metrics();
    assert.equal(waiting.jobs.queued, 1);
    assert.ok(waiting.oldestQueuedSeconds !== null && waiting.oldestQueuedSeconds < 60);
    assert.equal((await cli(['job', 'submit', path.join(folder, 'broken.mp4'), '--preset', 'proxy', '--to', `${out}-broken`])).code, 0);
    await cli(['worker', '--drain', '--backoff-seconds', '0']);

    const file = path.join(home, 'queue.prom');
    const drained = await metrics('--textfile', file);
    assert.deepEqual([drained.jobs.queued, drained.jobs.done, drained.jobs.failed], [0, 1, 1], JSON.stringify(drained.jobs));
    assert.equal(drained.oldestQueuedSeconds, null);
    assert.deepEqual(drained.lastHour, { done: 1, failed: 1, lost: 0 });
    assert.deepEqual(
      drained.workers.map((w) => w.status),
      ['stopped'],
    );
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^mpegflow_jobs\{state="done"\} 1$/m);
    assert.match(text, /^mpegflow_jobs\{state="failed"\} 1$/m);
    assert.match(text, /^mpegflow_queue_oldest_job_age_seconds 0$/m);
    assert.match(text, /^mpegflow_job_attempts_last_hour\{outcome="failed"\} 1$/m);
    assert.match(text, /^mpegflow_worker_up\{worker="[^"]+",host="[^"]+"\} 0$/m);
  });
});
