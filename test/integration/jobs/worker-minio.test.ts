import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { parseJson, runCli, spawnCli, tempHome } from '../../support/cli.ts';
import { makeVideo } from '../../support/media.ts';
import { startFaultProxy } from '../../support/fault-proxy.ts';
import { incompleteUploads, startSingleDrive, type Deployment } from '../../support/minio.ts';
import { endBackoff, expireLease } from '../../support/store-clock.ts';
import type { JobDetail } from '../../../src/core/jobs/model.ts';

describe('worker with MinIO: kill -9 mid-upload, MinIO down and back', () => {
  const { home, cleanup } = tempHome('mpegflow-worker-minio-');
  let minio: Deployment;
  const cli = (args: string[]) => runCli(args, { home, timeoutMs: 300_000 });
  const job = async (id: number) => parseJson<JobDetail>(await cli(['job', 'show', String(id), '--json']));
  const submit = async (args: string[]) =>
    parseJson<{ submitted: { id: number }[] }>(await cli(['job', 'submit', ...args, '--json'])).submitted[0]!.id;

  before(async () => {
    minio = await startSingleDrive();
    const client = minio.client();
    await Promise.all([client.makeBucket('masters'), client.makeBucket('out')]);
    const source = makeVideo(path.join(home, 'long.mp4'), { width: 1280, height: 720, seconds: 20 });
    await client.fPutObject('masters', 'ep1/long.mp4', source);
    await client.fPutObject('masters', 'ep2/short.mp4', makeVideo(path.join(home, 'short.mp4'), { width: 320, height: 240, seconds: 2 }));
    const add = await runCli(['endpoint', 'add', 'store', '--url', minio.url, '--access-key', minio.accessKey, '--secret-key-stdin'], {
      home,
      input: minio.secretKey,
    });
    assert.equal(add.code, 0, add.stderr);
  });
  after(async () => {
    await minio?.stop();
    cleanup();
  });

  it('kill -9 while segments upload: the next worker finishes the job once, nothing half-uploaded, no manifest without its outputs', async () => {
    const id = await submit(['store/masters/ep1/long.mp4', '--preset', 'hls-h264', '--to', 'store/out/ep1/']);
    const worker = spawnCli(['worker', '--drain', '--lease-seconds', '3'], { home });
    const deadline = Date.now() + 120_000;
    // the first segment on its way: an audio group's or a rung's, while ffmpeg still runs
    const uploading = /stored \d+ objects?, .* sent \(uploading: [^/]+\/seg_/;
    while (!uploading.test(worker.log()) && Date.now() < deadline) await sleep(100);
    assert.match(worker.log(), uploading, 'segments were being uploaded while ffmpeg ran');
    worker.child.kill('SIGKILL');
    await worker.exited;
    assert.equal((await job(id)).state, 'running');
    // its 3 s lease would run out on its own: end it now rather than wait
    assert.ok((await expireLease({ home }, id)) <= 3000, 'the lease is the 3 s asked for');
    const rerun = await cli(['worker', '--drain', '--lease-seconds', '3']);
    assert.equal(rerun.code, 0, rerun.stderr);
    const view = await job(id);
    assert.equal(view.state, 'done');
    assert.deepEqual(
      view.attemptsLog.map((a) => a.outcome),
      ['lost', 'done'],
    );
    const client = minio.client();
    assert.deepEqual(await incompleteUploads(client, 'out'), []);
    const manifest = JSON.parse((await (await client.getObject('out', 'ep1/manifest.json')).toArray()).join('')) as {
      outputs: { name: string; size: number }[];
    };
    for (const output of manifest.outputs)
      assert.equal((await client.statObject('out', `ep1/${output.name}`)).size, output.size, output.name);
    assert.equal((await cli(['verify', 'store/out/ep1/'])).code, 0);
    // what the killed attempt logged before it died is kept, and its death is in the audit log
    const detail = parseJson<{ logTail: { line: string }[] }>(await cli(['job', 'show', String(id), '--log-lines', '200', '--json']));
    assert.ok(detail.logTail.filter((l) => /encode: started/.test(l.line)).length >= 2, 'log lines of both attempts');
    const entries = parseJson<{
      entries: { command: string; target: string | null; durationMs: number; detail: Record<string, unknown> | null }[];
    }>(await cli(['audit', 'list', '--command', 'worker', '--json'])).entries;
    const takeover = entries.find((e) => e.detail?.event === 'lease-expired');
    assert.equal(takeover?.target, `job ${id}`);
    assert.match(String(takeover?.detail?.deadWorker), /:\d+:/);
    const drained = entries.find((e) => e.detail?.event === undefined);
    assert.ok(drained && drained.durationMs > 1000, `the worker's entry measures its run (${drained?.durationMs} ms)`);
  });

  it('kill -9 mid multipart upload (an FFV1 master of several parts): the upload is aborted by the next worker, zero incomplete uploads', async () => {
    const client = minio.client();
    await client.fPutObject(
      'masters',
      'ep3/master.mp4',
      makeVideo(path.join(home, 'master.mp4'), { width: 640, height: 360, seconds: 3, noise: true }),
    );
    // uploads through a 3 MB/s link: the master's parts take seconds, long enough to kill the worker in the middle
    const slow = await startFaultProxy({ targetPort: Number(new URL(minio.url).port), requestBytesPerSecond: 3_000_000 });
    try {
      const add = await runCli(['endpoint', 'add', 'slow', '--url', slow.url, '--access-key', minio.accessKey, '--secret-key-stdin'], {
        home,
        input: minio.secretKey,
      });
      assert.equal(add.code, 0, add.stderr);
      const id = await submit(['slow/masters/ep3/master.mp4', '--preset', 'archive-ffv1', '--to', 'slow/out/ep3/']);
      const worker = spawnCli(['worker', '--drain', '--lease-seconds', '3'], { home });
      // MinIO lists incomplete uploads by exact object name only
      const staged = async (generation: number) => {
        const uploads: string[] = [];
        const key = `.mpegflow-staging/job-${id}-g${generation}/archive.mkv`;
        for await (const u of client.listIncompleteUploads('out', key, false) as AsyncIterable<{ uploadId: string }>)
          uploads.push(u.uploadId);
        return uploads;
      };
      const deadline = Date.now() + 120_000;
      while ((await staged(1)).length === 0 && Date.now() < deadline) await sleep(100);
      await sleep(500);
      worker.child.kill('SIGKILL');
      await worker.exited;
      assert.doesNotMatch(worker.log(), /job \d+: done/, 'killed in the middle of the upload');
      assert.equal((await staged(1)).length, 1, 'the killed worker left a multipart upload behind');
      assert.ok((await expireLease({ home }, id)) <= 3000, 'the lease is the 3 s asked for');
      const rerun = await cli(['worker', '--drain', '--lease-seconds', '3']);
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.equal((await job(id)).state, 'done');
      assert.deepEqual(await staged(1), [], 'the next worker aborted it (from the upload id recorded in the queue)');
      assert.deepEqual(await staged(2), []);
      assert.equal((await cli(['verify', 'slow/out/ep3/'])).code, 0);
    } finally {
      await slow.close();
    }
  });

  it('MinIO stopped: the job retries with back-off, then fails with the cause; job retry after MinIO returns completes it', async () => {
    const id = await submit(['store/masters/ep2/short.mp4', '--preset', 'proxy', '--to', 'store/out/ep2/']);
    await minio.stopNode(0);
    for (let attempt = 1; attempt <= 3; attempt++) {
      await cli(['worker', '--drain', '--backoff-seconds', '1']);
      // up to 1 s after the first failure, 2 s after the second, at least half of that (jittered, by the store's
      // clock): ended now rather than waited out
      if (attempt < 3) {
        const backoff = await endBackoff({ home }, id);
        assert.ok(
          backoff >= attempt * 500 && backoff <= attempt * 1000,
          `attempt ${attempt} backs off ${attempt / 2}-${attempt} s, not ${backoff} ms`,
        );
      }
    }
    const failed = await job(id);
    assert.equal(failed.state, 'failed');
    assert.equal(failed.attemptsLog.length, 3);
    assert.match(failed.lastError ?? '', /store|unreachable|refused|connect/i);
    await minio.restartNode(0);
    assert.equal((await cli(['job', 'retry', String(id)])).code, 0);
    const run = await cli(['worker', '--drain']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await job(id)).state, 'done');
  });
});
