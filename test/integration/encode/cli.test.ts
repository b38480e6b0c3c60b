import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliEntry, parseJson, repoRoot, runCli, tempHome } from '../../support/cli.ts';
import { makeAudioOnly, makeGarbage, makeVideo, probe, videoStream } from '../../support/media.ts';

interface EncodeJson {
  status: string;
  destination: string;
  manifest: string;
  preset: { name: string; hash: string };
  renditions: { name: string; width: number; height: number }[];
  outputs: { name: string; size: number; sha256: string }[];
}
interface VerifyJson {
  ok: boolean;
  outputs: number;
  problems: { name: string; location: string; problem: string; message: string }[];
}
interface ErrorJson {
  error: { code: string; kind: string; message: string; suggestion?: string; details?: Record<string, unknown> };
}

describe('mpegflow encode / verify / preset (CLI, local storage, no MinIO)', () => {
  const { home, cleanup } = tempHome('mpegflow-encode-cli-');
  const work = path.join(home, 'media');
  const sample = path.join(work, 'sample.mp4');
  const dir = path.join(work, 'sample.hls-h264');
  after(cleanup);
  before(() => {
    mkdirSync(work, { recursive: true });
    makeVideo(sample, { width: 640, height: 360, seconds: 2 });
  });
  const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { home, cwd: work, env, timeoutMs: 120_000 });

  it('the quick start: `mpegflow encode sample.mp4` writes an HLS ladder beside it, with progress lines on stderr', async () => {
    const res = await cli(['encode', 'sample.mp4']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Encoded .*sample\.mp4 with hls-h264/);
    assert.match(res.stdout, /360p\s+640x360/);
    assert.match(res.stdout, /Manifest: .*sample\.hls-h264\/manifest\.json/);
    assert.match(res.stderr, /^\d{4}-\d\d-\d\dT[\d:.]+Z probe: started$/m, 'plain timestamped lines without a terminal');
    assert.match(res.stderr, /Z encode 360p: 100\.0%/);
    assert.match(res.stderr, /Z manifest: done$/m);
    assert.ok(existsSync(path.join(dir, 'master.m3u8')));
    assert.equal(videoStream(probe(path.join(dir, '360p', 'index.m3u8'))).codec_name, 'h264');
  });

  it('runs again as a no-op, and re-encodes with --force; --json prints one document and nothing on stderr', async () => {
    const again = await cli(['encode', 'sample.mp4', '--json']);
    assert.equal(again.code, 0);
    assert.equal(parseJson<EncodeJson>(again).status, 'skipped');
    assert.equal(again.stderr, '');
    const forced = await cli(['encode', 'sample.mp4', '--force', '--json']);
    assert.equal(forced.code, 0, forced.stderr);
    const doc = parseJson<EncodeJson>(forced);
    assert.equal(doc.status, 'done');
    assert.equal(doc.preset.name, 'hls-h264');
    assert.match(doc.preset.hash, /^sha256:/);
    assert.ok(doc.outputs.some((o) => o.name === '360p/seg_00000.ts' && o.size > 0 && /^[0-9a-f]{64}$/.test(o.sha256)));
    assert.equal(forced.stderr, '');
  });

  it('verify passes on fresh outputs, then names the segment with one changed byte and the deleted output (exit 2)', async () => {
    const fresh = await cli(['verify', dir]);
    assert.equal(fresh.code, 0, fresh.stdout + fresh.stderr);
    assert.match(fresh.stdout, /^OK: /);

    const segment = path.join(dir, '360p', 'seg_00000.ts');
    const bytes = readFileSync(segment);
    bytes[1000] = bytes[1000]! ^ 0x01;
    writeFileSync(segment, bytes);
    const changed = await cli(['verify', dir, '--json']);
    assert.equal(changed.code, 2);
    const report = parseJson<VerifyJson>(changed);
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.problems.map((p) => [p.name, p.problem]),
      [['360p/seg_00000.ts', 'checksum']],
    );
    assert.equal(report.problems[0]!.location, segment);

    rmSync(path.join(dir, '360p', 'index.m3u8'));
    const human = await cli(['verify', path.join(dir, 'manifest.json')]);
    assert.equal(human.code, 2);
    assert.match(human.stdout, /^FAILED: /);
    assert.match(human.stdout, /360p\/index\.m3u8\s+missing/);
    assert.match(human.stdout, /360p\/seg_00000\.ts\s+checksum/);
  });

  it('verify of a folder without a manifest is an error (exit 1)', async () => {
    const res = await cli(['verify', work, '--json']);
    assert.equal(res.code, 1);
    assert.equal(parseJson<ErrorJson>(res).error.code, 'MANIFEST_NOT_FOUND');
  });

  it('refuses bad sources with a clear message and no output folder', async () => {
    makeGarbage(path.join(work, 'corrupt.mov'));
    makeAudioOnly(path.join(work, 'voice.m4a'));
    writeFileSync(path.join(work, 'empty.mp4'), '');
    const good = readFileSync(sample);
    writeFileSync(path.join(work, 'cut.mp4'), good.subarray(0, good.length >> 1));
    const cases: [string, string, RegExp][] = [
      ['corrupt.mov', 'SOURCE_UNREADABLE', /not a media file/],
      ['voice.m4a', 'SOURCE_NO_VIDEO', /audio only/],
      ['empty.mp4', 'SOURCE_EMPTY', /0 bytes/],
      ['cut.mp4', 'SOURCE_TRUNCATED', /truncated/],
      ['nothing-here.mp4', 'SOURCE_NOT_FOUND', /no such file/],
    ];
    for (const [name, code, message] of cases) {
      const res = await cli(['encode', name, '--json']);
      assert.equal(res.code, 1, name);
      const { error } = parseJson<ErrorJson>(res);
      assert.equal(error.code, code, name);
      assert.match(error.message, message, name);
      assert.equal(existsSync(path.join(work, `${path.parse(name).name}.hls-h264`)), false, name);
    }
    assert.deepEqual(
      readdirSync(work).filter((f) => f.includes('mpegflow-partial')),
      [],
    );
    const human = await cli(['encode', 'voice.m4a']);
    assert.match(human.stderr, /^Error: cannot encode .*voice\.m4a: it has no video stream \(audio only\)$/m);
    assert.match(human.stderr, /^ {2}Try: /m);
  });

  it('refuses an unknown preset and an invalid preset file, listing what is wrong', async () => {
    const unknown = await cli(['encode', 'sample.mp4', '--preset', 'hls-h256', '--json']);
    assert.equal(unknown.code, 2, 'a mistyped preset name is a usage error');
    const u = parseJson<ErrorJson>(unknown).error;
    assert.equal(u.code, 'PRESET_NOT_FOUND');
    assert.match(u.suggestion!, /^did you mean 'hls-h264'\? choose one of: .*hls-h264, mp4-h264, package-hls, proxy/);

    const file = path.join(work, 'bad-preset.json');
    const proxy = JSON.parse(readFileSync(path.join(repoRoot, 'presets', 'proxy.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(
      file,
      JSON.stringify({ ...proxy, name: 'bad', output: '../../escape.mp4', video: { ...(proxy.video as object), crf: 80 } }),
    );
    const invalid = await cli(['encode', 'sample.mp4', '--preset-file', file]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /bad-preset\.json is not valid/);
    assert.match(invalid.stderr, /- output: must be a plain file name/);
    assert.match(invalid.stderr, /- video\.crf: must be an integer from 0 to 51/);
    assert.equal(existsSync(path.join(home, 'escape.mp4')), false);
  });

  it('uses a preset file and a preset from $MPEGFLOW_HOME/presets', async () => {
    const proxy = JSON.parse(readFileSync(path.join(repoRoot, 'presets', 'proxy.json'), 'utf8')) as {
      video: Record<string, unknown>;
    } & Record<string, unknown>;
    mkdirSync(path.join(home, 'presets'), { recursive: true });
    writeFileSync(
      path.join(home, 'presets', 'tiny.json'),
      JSON.stringify({ ...proxy, name: 'tiny', output: 'tiny.mp4', video: { ...proxy.video, maxHeight: 180 } }),
    );
    const list = parseJson<{ presets: { name: string; origin: string }[] }>(await cli(['preset', 'list', '--json']));
    assert.deepEqual(
      list.presets.find((p) => p.name === 'tiny'),
      list.presets.find((p) => p.name === 'tiny' && p.origin === 'user'),
    );
    const res = await cli(['encode', 'sample.mp4', '--preset', 'tiny', '--to', './out/tiny', '--json']);
    assert.equal(res.code, 0, res.stdout);
    assert.equal(`${videoStream(probe(path.join(work, 'out', 'tiny', 'tiny.mp4'))).height}`, '180');

    const file = path.join(work, 'mine.json');
    writeFileSync(file, JSON.stringify({ ...proxy, name: 'mine', output: 'mine.mp4' }));
    const fromFile = parseJson<EncodeJson>(await cli(['encode', 'sample.mp4', '--preset-file', file, '--json']));
    assert.equal(fromFile.preset.name, 'mine');
    assert.ok(existsSync(path.join(work, 'sample.mine', 'mine.mp4')));
  });

  it('preset list and show', async () => {
    const list = await cli(['preset', 'list']);
    assert.equal(list.code, 0);
    for (const name of ['hls-h264', 'mp4-h264', 'proxy', 'archive-ffv1', 'thumbnails'])
      assert.match(list.stdout, new RegExp(`^\\s*${name}\\s`, 'm'));
    const show = await cli(['preset', 'show', 'archive-ffv1', '--json']);
    const preset = parseJson<{ name: string; hash: string; definition: { kind: string; fixity: { format: string } } }>(show);
    assert.equal(preset.definition.fixity.format, 'framemd5');
    assert.match(preset.hash, /^sha256:[0-9a-f]{64}$/);
    const missing = await cli(['preset', 'show', 'nope']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no preset named 'nope'/);
    assert.doesNotMatch(missing.stderr, /--preset-file/, 'preset show takes --file: the hint names no flag');
  });

  it('audits each encode, successful or not', async () => {
    const audit = parseJson<{
      entries: { command: string; target: string | null; outcome: string; detail: Record<string, unknown> | null }[];
    }>(await cli(['audit', 'list', '--command', 'encode', '--json']));
    const done = audit.entries.find((e) => e.outcome === 'success' && e.detail?.status === 'done');
    assert.ok(done, JSON.stringify(audit.entries.slice(0, 3)));
    assert.match(done.target!, /sample\./);
    assert.ok(audit.entries.some((e) => e.outcome === 'failure' && e.detail?.error === 'SOURCE_UNREADABLE'));
  });

  it('kill -9 of mpegflow takes ffmpeg down with it; the next run clears the dead staging folder', async () => {
    makeVideo(path.join(work, 'long.mp4'), { width: 1280, height: 720, seconds: 8 });
    const child = spawn(process.execPath, [cliEntry, 'encode', 'long.mp4', '--preset', 'proxy'], {
      cwd: work,
      env: { ...process.env, MPEGFLOW_HOME: home },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await new Promise<void>((resolve) => {
      let seen = '';
      child.stderr.on('data', (d: Buffer) => {
        seen += d.toString();
        if (/encode: started/.test(seen)) resolve();
      });
    });
    const ffmpegs = () => execFileSync('bash', ['-c', `pgrep -f -- "^ffmpeg .*${work}/long.mp4" || true`], { encoding: 'utf8' }).trim();
    // "encode: started" is logged as ffmpeg is being spawned: on a busy machine it shows up a moment later
    const started = Date.now() + 5000;
    while (ffmpegs() === '' && Date.now() < started) await new Promise((r) => setTimeout(r, 50));
    assert.notEqual(ffmpegs(), '', 'ffmpeg is encoding');
    child.kill('SIGKILL');
    const deadline = Date.now() + 5000;
    while (ffmpegs() !== '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(ffmpegs(), '', 'ffmpeg died with its parent');
    const leftovers = () => readdirSync(path.join(work, 'long.proxy')).filter((f) => f.startsWith('.mpegflow-partial-'));
    assert.equal(leftovers().length, 1, 'a killed run cannot clean up after itself');
    assert.equal(existsSync(path.join(work, 'long.proxy', 'manifest.json')), false);
    const again = await cli(['encode', 'long.mp4', '--preset', 'proxy', '--json']);
    assert.equal(again.code, 0, again.stdout);
    assert.deepEqual(leftovers(), [], "the dead run's staging folder is gone");
  });

  it('shows listr2 task progress on a terminal', async (t) => {
    let script: string;
    try {
      script = execFileSync('bash', ['-c', 'command -v script'], { encoding: 'utf8' }).trim();
    } catch {
      return t.skip('`script` (util-linux) is not installed: no pseudo-terminal to test with');
    }
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(repoRoot, 'bin', process.env.MPEGFLOW_CLI === 'dev' ? 'dev.js' : 'run.js'))} encode sample.mp4 --preset thumbnails --to tty-out`;
    const out = execFileSync(script, ['-qec', `stty cols 120 rows 40; ${command}`, '/dev/null'], {
      cwd: work,
      // a person at a terminal: CI=true (set by CI runners) would turn the task list into plain lines
      env: { ...process.env, CI: undefined, MPEGFLOW_HOME: home, TERM: 'xterm', COLUMNS: '120' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.match(out, /Probe .*sample\.mp4/);
    assert.match(out, /Write manifest\.json/);
    assert.match(out, /✔/);
    assert.ok(existsSync(path.join(work, 'tty-out', 'manifest.json')));
  });
});
