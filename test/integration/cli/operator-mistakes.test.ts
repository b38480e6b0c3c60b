import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SubmitResult } from '../../../src/core/jobs/submit.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { cliEntry, parseJson, runCli, spawnCliOnTerminal, tempHome } from '../../support/cli.ts';
import { runInProcess } from '../../support/in-process.ts';
import { makeVideo } from '../../support/media.ts';

/**
 * Mistakes operators make and what they then read, exact: each invocation
 * with its exit code and first line (the rest of issue #27's list is held by
 * object-paths, user-strings and the health tests).
 */
describe('operator mistakes (CLI)', () => {
  const { home, cleanup } = tempHome('mpegflow-mistakes-');
  const cli = (args: string[], input?: string) => runInProcess(args, { home, timeoutMs: 60_000, input });
  /** Encodes and the worker (child processes: ffmpeg) run the built CLI as users do. */
  const spawned = (args: string[]) => runCli(args, { home, timeoutMs: 60_000 });
  const folder = path.join(home, 'ingest');

  before(() => {
    mkdirSync(folder);
    makeVideo(path.join(folder, 'clip.mp4'), { width: 320, height: 240, seconds: 1 });
    writeFileSync(path.join(folder, 'notes.txt'), 'shot list\n');
  });
  after(cleanup);

  const firstLine = (text: string) => text.split('\n')[0];

  it('job submit FOLDER/ without -r is a usage error (exit 2) that says how', async () => {
    const res = await cli(['job', 'submit', `${folder}/`]);
    assert.equal(res.code, 2, res.stderr);
    assert.equal(firstLine(res.stderr), `Error: ${folder}/ is a folder: without --recursive, job submit takes files`);
    assert.match(res.stderr, /Try: add --recursive \(-r\) to submit every media file under it/);
  });

  it('job submit -r says what it left out and why, in the summary and in --json', async () => {
    const res = await cli(['job', 'submit', `${folder}/`, '-r', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const doc = parseJson<SubmitResult>(res);
    assert.deepEqual(doc.notMedia, [path.join(folder, 'notes.txt')]);
    assert.equal(doc.counts.notMedia, 1);
    const again = await cli(['job', 'submit', `${folder}/`, '-r']);
    assert.match(again.stdout, /^1 file left out: not media by its extension \(notes\.txt; `--json` lists them\)\.$/m);
  });

  it("oclif's own usage errors print one hint, not two", async () => {
    const res = await cli(['encode', path.join(folder, 'clip.mp4'), '--bogus']);
    assert.equal(res.code, 2);
    assert.equal(res.stderr, 'Error: Nonexistent flag: --bogus\n  Try: see the command help with --help\n');
  });

  it('a secret key shorter than 8 characters is taken with a warning (only MinIO refuses it); an empty one is refused', async () => {
    const short = await cli(
      ['endpoint', 'add', 'other', '--url', 'http://127.0.0.1:9', '--access-key', 'abc', '--secret-key-stdin'],
      'short',
    );
    assert.equal(short.code, 0, short.stderr);
    assert.equal(
      firstLine(short.stderr),
      'Warning: the secret key has 5 characters: MinIO refuses keys shorter than 8 (other S3 stores may take them); `mpegflow endpoint test` tells',
    );
    const empty = await cli(['endpoint', 'add', 'none', '--url', 'http://127.0.0.1:9', '--access-key', 'abc', '--secret-key-stdin'], '');
    assert.equal(empty.code, 1);
    assert.equal(firstLine(empty.stderr), 'Error: the secret key is empty');
  });

  it('the audit trail says what a failed run was about, where it ran, and which jobs a worker ran', async () => {
    // a relative path: not media, so the encode fails
    const failedRun = await runCli(['encode', 'notes.txt', '--to', './nowhere/'], { home, cwd: folder });
    assert.equal(failedRun.code, 1);
    const worker = await spawned(['worker', '--drain']);
    assert.equal(worker.code, 0, worker.stderr);
    type Entry = { command: string; target: string | null; outcome: string; detail: { cwd?: string; jobs?: string[]; jobCount?: number } };
    const entries = parseJson<{ entries: Entry[] }>(await cli(['audit', 'list', '--json'])).entries;
    const failed = entries.find((e) => e.command === 'encode' && e.outcome === 'failure')!;
    assert.equal(failed.target, path.join(folder, 'notes.txt'), 'the relative path, resolved');
    assert.equal(failed.detail.cwd, folder);
    const ran = entries.find((e) => e.command === 'worker')!;
    assert.match(ran.target ?? '', /^worker /);
    assert.deepEqual([ran.detail.jobs, ran.detail.jobCount], [['1 done'], 1]);
  });

  for (const columns of [80, 110]) {
    it(`job list on a ${columns}-column terminal: no line wider`, async () => {
      // a long destination, as real prefixes are
      const deep = path.join(home, 'a-destination-folder-with-a-long-name', 'season-04', 'episode-17', 'interview-wide');
      assert.equal((await cli(['job', 'submit', path.join(folder, 'clip.mp4'), '--to', `${deep}/`])).code, 0);
      const command = ['stty', 'cols', String(columns), 'rows', '50;', 'exec', process.execPath, cliEntry, 'job', 'list'].join(' ');
      const run = spawnSync('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
        env: { ...process.env, MPEGFLOW_HOME: home, NO_COLOR: '1' },
        encoding: 'utf8',
      });
      assert.equal(run.status, 0, run.stdout + run.stderr);
      const lines = run.stdout.replaceAll('\r', '').split('\n').filter(Boolean);
      assert.match(lines[0]!, /┌/, 'a terminal gets the bordered table');
      for (const line of lines) assert.ok([...line].length <= columns, `${[...line].length} > ${columns}: ${line}`);
      assert.match(run.stdout, /…/, 'paths cut in the middle');
    });
  }

  it('Ctrl-C on a terminal says "the encode was cancelled" once, not once per task', async () => {
    const long = path.join(home, 'long.mp4');
    makeVideo(long, { width: 1280, height: 720, seconds: 30 });
    const run = spawnCliOnTerminal(['encode', long, '--to', `${path.join(home, 'interrupted')}/`], {
      home,
      env: { TERM: 'xterm', CI: undefined },
      columns: 120,
    });
    try {
      const deadline = Date.now() + 60_000;
      // interrupted while the renditions encode, each a task of its own (their titles show their progress)
      while (!/Encode[\s\S]*\d\.\d%/.test(run.log()) && Date.now() < deadline) await sleep(100);
      assert.match(run.log(), /Encode[\s\S]*\d\.\d%/, 'the renditions were encoding');
    } finally {
      run.interrupt();
    }
    assert.equal(await run.exited, 130, run.log());
    assert.equal(run.log().match(/the encode was cancelled/g)?.length, 1, run.log());
    assert.match(run.log(), /not done/, 'the tasks it stopped say so');
  });

  it('counts are singular for one; an MP4 says the bitrate it came out at, not its cap', async () => {
    const out = path.join(home, 'one');
    const res = await spawned([
      'encode',
      path.join(folder, 'clip.mp4'),
      '--preset',
      'mp4-h264',
      '--to',
      `./${path.relative(process.cwd(), out)}/`,
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^1 output, [\d.]+ KiB in /m);
    const bitrate = execFileSync(
      'ffprobe',
      ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=bit_rate', '-of', 'csv=p=0', path.join(out, 'video.mp4')],
      {
        encoding: 'utf8',
      },
    );
    assert.match(res.stdout, new RegExp(`^ *mp4-h264 +320x240 +25 +${Math.round(Number(bitrate) / 1000)}k `, 'm'));
    assert.doesNotMatch(res.stdout, /8000k/);
    const verified = await spawned(['verify', out]);
    assert.match(verified.stdout, /^1 output, [\d.]+ KiB re-read and checked against /m);
  });
});
