import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { cliEntry, parseJson, repoRoot, runCli, tempHome } from '../../support/cli.ts';
import { makeGarbage, makeVideo } from '../../support/media.ts';
import { expireLease } from '../../support/store-clock.ts';
import type { JobDetail } from '../../../src/core/jobs/model.ts';

/** A worker in the background, as cron would start it. */
function startWorker(home: string, args: string[]) {
  const child = spawn(process.execPath, [cliEntry, 'worker', ...args], {
    cwd: repoRoot,
    env: { ...process.env, MPEGFLOW_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function ffmpegChildren(): string {
  try {
    return execFileSync('pgrep', ['-af', 'ffmpeg.*mpegflow-jobs'], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

describe('jobs and worker (CLI, real ffmpeg)', () => {
  const { home, cleanup } = tempHome('mpegflow-jobs-');
  after(cleanup);
  const media = path.join(home, 'media');
  mkdirSync(media);
  const cli = (args: string[]) => runCli(args, { home, timeoutMs: 300_000 });
  const job = async (id: number) => parseJson<JobDetail>(await cli(['job', 'show', String(id), '--json']));

  it('a cron-style submit + drain encodes each new source once; re-runs add nothing', async () => {
    const folder = path.join(media, 'batch');
    mkdirSync(folder);
    makeVideo(path.join(folder, 'a.mp4'), { width: 320, height: 240, seconds: 2 });
    makeVideo(path.join(folder, 'b.mov'), { width: 320, height: 240, seconds: 2, audio: false });
    writeFileSync(path.join(folder, 'notes.txt'), 'not media');
    const out = path.join(home, 'out-batch');
    const submit = parseJson<{ submitted: { id: number }[]; skipped: unknown[] }>(
      await cli(['job', 'submit', folder, '--recursive', '--preset', 'proxy', '--to', out, '--json']),
    );
    assert.equal(submit.submitted.length, 2);
    const drain = await cli(['worker', '--drain', '--json']);
    assert.equal(drain.code, 0, drain.stderr);
    assert.deepEqual(
      parseJson<{ jobs: { state: string }[] }>(drain).jobs.map((j) => j.state),
      ['done', 'done'],
    );
    for (const name of ['a.proxy', 'b.proxy']) assert.ok(existsSync(path.join(out, name, 'manifest.json')), name);

    const again = parseJson<{ submitted: unknown[]; skipped: unknown[] }>(
      await cli(['job', 'submit', folder, '--recursive', '--preset', 'proxy', '--to', out, '--json']),
    );
    assert.deepEqual([again.submitted.length, again.skipped.length], [0, 2]);
    makeVideo(path.join(folder, 'c.mp4'), { width: 320, height: 240, seconds: 2 });
    const newOne = parseJson<{ submitted: { source: string }[] }>(
      await cli(['job', 'submit', folder, '--recursive', '--preset', 'proxy', '--to', out, '--json']),
    );
    assert.deepEqual(
      newOne.submitted.map((j) => path.basename(j.source)),
      ['c.mp4'],
    );
    assert.equal((await cli(['worker', '--drain'])).code, 0);
  });

  it('two overlapping workers share the queue without encoding anything twice', async () => {
    const folder = path.join(media, 'overlap');
    mkdirSync(folder);
    for (const n of [1, 2, 3, 4]) makeVideo(path.join(folder, `clip${n}.mp4`), { width: 320, height: 240, seconds: 2 });
    await cli(['job', 'submit', folder, '--recursive', '--preset', 'proxy', '--to', path.join(home, 'out-overlap')]);
    const [a, b] = await Promise.all([cli(['worker', '--drain', '--json']), cli(['worker', '--drain', '--json'])]);
    const ran = [...parseJson<{ jobs: { id: number }[] }>(a).jobs, ...parseJson<{ jobs: { id: number }[] }>(b).jobs]
      .map((j) => j.id)
      .sort();
    assert.equal(new Set(ran).size, ran.length, `a job ran twice: ${ran}`);
    const list = parseJson<{ jobs: { state: string; attempts: number; source: string }[] }>(await cli(['job', 'list', '--json']));
    for (const j of list.jobs.filter((x) => x.source.includes('overlap'))) assert.deepEqual([j.state, j.attempts], ['done', 1]);
  });

  it('kill -9 of the worker mid-encode: the job is taken over after its lease and ends done exactly once', async () => {
    const source = makeVideo(path.join(media, 'long.mp4'), { width: 1280, height: 720, seconds: 20 });
    const out = path.join(home, 'out-killed');
    const { submitted } = parseJson<{ submitted: { id: number }[] }>(
      await cli(['job', 'submit', source, '--preset', 'hls-h264', '--to', out, '--json']),
    );
    const id = submitted[0]!.id;
    const first = startWorker(home, ['--drain', '--lease-seconds', '3']);
    await waitFor('the encode to be under way', async () => (/encode .*\d+\.\d%/.test(first.stderr()) ? true : undefined));
    first.child.kill('SIGKILL');
    await first.exited;
    assert.equal((await job(id)).state, 'running', 'the dead worker still holds the lease');
    assert.ok(!existsSync(path.join(out, 'manifest.json')), 'no manifest from the killed run');
    // its 3 s lease would run out on its own: end it now rather than wait
    assert.ok((await expireLease({ home }, id)) <= 3000, 'the lease is the 3 s asked for');
    const second = await cli(['worker', '--drain', '--lease-seconds', '3', '--json']);
    assert.equal(second.code, 0, second.stderr);
    const view = await job(id);
    assert.equal(view.state, 'done');
    assert.deepEqual(
      view.attemptsLog.map((a) => a.outcome),
      ['lost', 'done'],
    );
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { outputs: { name: string }[] };
    for (const output of manifest.outputs)
      assert.ok(existsSync(path.join(out, output.name)), `${output.name} listed in the manifest exists`);
    const third = parseJson<{ jobs: unknown[] }>(await cli(['worker', '--drain', '--json']));
    assert.equal(third.jobs.length, 0, 'nothing left to run');
  });

  it('job cancel stops a running encode: ffmpeg ends, no manifest', async () => {
    const source = makeVideo(path.join(media, 'cancel-me.mp4'), { width: 1280, height: 720, seconds: 30 });
    const out = path.join(home, 'out-cancelled');
    const { submitted } = parseJson<{ submitted: { id: number }[] }>(
      await cli(['job', 'submit', source, '--preset', 'hls-h264', '--to', out, '--json']),
    );
    const id = submitted[0]!.id;
    const worker = startWorker(home, ['--lease-seconds', '2', '--poll-seconds', '1']);
    try {
      await waitFor('the encode to be under way', async () => (/encode .*\d+\.\d%/.test(worker.stderr()) ? true : undefined));
      const cancel = await cli(['job', 'cancel', String(id)]);
      assert.equal(cancel.code, 0, cancel.stderr);
      assert.match(cancel.stdout, /will stop it/);
      await waitFor('the job to be cancelled', async () => ((await job(id)).state === 'cancelled' ? true : undefined), 30_000);
      assert.ok(!existsSync(path.join(out, 'manifest.json')));
      await sleep(500);
      assert.equal(ffmpegChildren().includes(source) ? 'ffmpeg still running' : '', '');
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  });

  it('bad media fails at once with the cause; the worker exits 1', async () => {
    const bad = makeGarbage(path.join(media, 'corrupt.mp4'));
    const { submitted } = parseJson<{ submitted: { id: number }[] }>(
      await cli(['job', 'submit', bad, '--preset', 'proxy', '--to', path.join(home, 'out-bad'), '--json']),
    );
    const run = await cli(['worker', '--drain']);
    assert.equal(run.code, 1);
    const view = await job(submitted[0]!.id);
    assert.equal(view.state, 'failed');
    assert.equal(view.attempts, 1, 'not retried: retrying cannot fix bad media');
    const show = await cli(['job', 'show', String(submitted[0]!.id)]);
    assert.match(show.stdout, /Last error\s+\S+/);
    assert.match(show.stdout, /Attempts\s+1 \(failed for good after 1 of 3 allowed failures: the error is not one a new try cures\)/);
    // the log's tail ends with why the attempt ended
    assert.match(show.stdout, /\n {2}\S+ {2}attempt 1 failed: cannot encode .*corrupt\.mp4: it is not a media file ffmpeg can read.*\n*$/);
  });

  it('bad job commands: unknown job, retrying a queued job, an unknown state filter', async () => {
    const missing = await cli(['job', 'show', '4242']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no job 4242/);
    assert.equal((await cli(['job', 'list', '--state', 'sleeping'])).code, 2);
    const submitted = parseJson<{ submitted: { id: number }[] }>(
      await cli([
        'job',
        'submit',
        makeVideo(path.join(media, 'q.mp4'), { width: 160, height: 120, seconds: 1 }),
        '--preset',
        'proxy',
        '--json',
      ]),
    ).submitted;
    const retry = await cli(['job', 'retry', String(submitted[0]!.id)]);
    assert.equal(retry.code, 1);
    assert.match(retry.stderr, /only failed or cancelled jobs can be retried/);
    const unknownPreset = await cli(['job', 'submit', path.join(media, 'q.mp4'), '--preset', 'nope']);
    assert.equal(unknownPreset.code, 2);
    assert.match(unknownPreset.stderr, /no preset named 'nope'/);
  });
});
