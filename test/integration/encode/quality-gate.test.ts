import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'minio';
import type { EncodeResult } from '../../../src/core/encode/outputs/encode-result.ts';
import type { Manifest } from '../../../src/core/encode/outputs/manifest.ts';
import type { VerifyResult } from '../../../src/core/encode/verify/verify.ts';
import type { QualityReport } from '../../../src/core/encode/verify/quality-score.ts';
import type { JobDetail } from '../../../src/core/jobs/model.ts';
import { addEndpoints, incompleteUploads, startSingleDrive, type Deployment } from '../../support/minio.ts';
import { parseJson, runCli, tempHome, type CliResult } from '../../support/cli.ts';
import { makeVideo } from '../../support/media.ts';

/**
 * The quality gate against real ffmpeg: a rung starved of bits (12 kbit/s
 * for 180p) fails the encode and publishes nothing, locally, to MinIO and as
 * a queued job; a good encode records its scores, and `verify --quality`
 * scores it again to the same figures.
 */

const STARVED = {
  name: 'starved-ladder',
  description: 'A ladder whose lowest rung is starved of bits',
  kind: 'hls',
  video: { codec: 'libx264', speed: 'veryfast', profile: 'high', pixelFormat: 'yuv420p', maxFrameRate: 60 },
  audio: { codec: 'aac', channels: 2, sampleRate: 48000 },
  segmentSeconds: 2,
  quality: { minSsim: 0.9, minPsnr: 30 },
  renditions: [
    { name: '360p', height: 360, videoBitrate: '1000k', maxRate: '1100k', bufSize: '1500k', audioBitrate: '96k' },
    { name: '180p', height: 180, videoBitrate: '12k', maxRate: '12k', bufSize: '24k', audioBitrate: '64k' },
  ],
};

type ErrorDoc = { error: { code: string; message: string; details?: { quality?: QualityReport } } };

/** The failed gate as --json reports it: every rendition scored, the starved one named. */
function assertStarvedScores(quality: QualityReport | undefined) {
  assert.ok(quality, 'the scores go with the error');
  assert.deepEqual(
    quality.renditions.map((r) => r.name),
    ['360p', '180p'],
  );
  const [good, starved] = quality.renditions;
  assert.ok(good!.frames > 0 && starved!.frames > 0);
  assert.deepEqual(good!.below, [], `360p passes: ${JSON.stringify(good)}`);
  assert.ok(starved!.ssim.mean < 0.9, `180p at 12 kbit/s scores low: ${JSON.stringify(starved)}`);
  assert.match(starved!.below.join(' '), /SSIM/);
  assert.equal(quality.passed, false);
}

const hasLibvmaf = () => /^\s*\S+\s+libvmaf\s/m.test(execFileSync('ffmpeg', ['-hide_banner', '-filters'], { encoding: 'utf8' }));

describe('quality gate on local files', () => {
  const { home, cleanup } = tempHome('mpegflow-quality-');
  const cli = (args: string[]) => runCli(args, { home, timeoutMs: 180_000 });
  const source = path.join(home, 'clip.mp4');
  const starvedFile = path.join(home, 'starved.json');

  before(() => {
    makeVideo(source, { width: 640, height: 360, seconds: 3 });
    writeFileSync(starvedFile, JSON.stringify(STARVED));
  });
  after(cleanup);

  it('a starved rung fails the encode (exit 1, QUALITY_BELOW_THRESHOLD, every rung scored) and nothing is published', async () => {
    const out = path.join(home, 'starved');
    const result = await cli(['encode', source, '--preset-file', starvedFile, '--to', `${out}/`, '--json']);
    assert.equal(result.code, 1, result.stdout);
    const doc = parseJson<ErrorDoc>(result);
    assert.equal(doc.error.code, 'QUALITY_BELOW_THRESHOLD');
    assert.match(doc.error.message, /180p \(SSIM 0\.\d+ < 0\.9/);
    assertStarvedScores(doc.error.details?.quality);
    assert.equal(existsSync(out), false, 'no destination folder');
    assert.deepEqual(
      readdirSync(home).filter((f) => f.startsWith('.')),
      [],
      'no staging left beside it',
    );
  });

  it('a good encode records its scores, and verify --quality scores it again to within 0.001 SSIM', async () => {
    const out = path.join(home, 'good');
    const encoded = await cli(['encode', source, '--to', `${out}/`, '--json']);
    assert.equal(encoded.code, 0, encoded.stderr);
    const result = parseJson<EncodeResult>(encoded);
    assert.ok(result.quality?.passed);
    assert.deepEqual(result.quality.thresholds, { minSsim: 0.9, minPsnr: 30, minVmaf: null });
    assert.match(result.quality.reference, /^\[0:0\]fps=25$/);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    assert.deepEqual(manifest.quality, result.quality);
    for (const r of manifest.quality!.renditions) {
      assert.ok(r.ssim.mean > 0.9 && r.psnr.mean > 30, JSON.stringify(r));
      assert.match(r.reference, /^scale=\d+:\d+:flags=bicubic,setsar=1,format=yuv420p$/);
      assert.equal(r.media, `${r.name}/index.m3u8`);
    }

    const verified = await cli(['verify', out, '--quality', '--json']);
    assert.equal(verified.code, 0, verified.stdout);
    const check = parseJson<VerifyResult>(verified);
    assert.ok(check.quality?.agrees);
    for (const d of check.quality.differences) assert.ok(Math.abs(d.ssim) <= 0.001, JSON.stringify(d));
    const human = await cli(['verify', out, '--quality']);
    assert.match(human.stdout, /Quality: scored again against the source; the scores agree with those recorded/);
  });

  it('verify --quality says when the recorded scores are not what the renditions score (exit 2)', async () => {
    const out = path.join(home, 'edited');
    assert.equal((await cli(['encode', source, '--preset', 'mp4-h264', '--to', `${out}/`])).code, 0);
    const file = path.join(out, 'manifest.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    manifest.quality!.renditions[0]!.ssim.mean -= 0.05;
    writeFileSync(file, JSON.stringify(manifest));
    const verified = await cli(['verify', out, '--quality', '--json']);
    assert.equal(verified.code, 2, verified.stdout);
    const check = parseJson<VerifyResult>(verified);
    assert.equal(check.quality?.agrees, false);
    assert.deepEqual(
      check.problems.map((p) => [p.name, p.problem]),
      [['video.mp4', 'quality']],
    );
    assert.match(check.problems[0]!.message, /the manifest records 0\.9\d+/);
  });

  it('verify --quality refuses what it cannot score: no scores recorded, a changed source', async () => {
    const proxy = path.join(home, 'proxy');
    assert.equal((await cli(['encode', source, '--preset', 'proxy', '--to', `${proxy}/`])).code, 0);
    const unscored = await cli(['verify', proxy, '--quality', '--json']);
    assert.equal(unscored.code, 1);
    assert.equal(parseJson<ErrorDoc>(unscored).error.code, 'QUALITY_NOT_RECORDED');

    const moved = path.join(home, 'moved.mp4');
    makeVideo(moved, { width: 640, height: 360, seconds: 3 });
    const out = path.join(home, 'changed');
    assert.equal((await cli(['encode', moved, '--preset', 'mp4-h264', '--to', `${out}/`])).code, 0);
    makeVideo(moved, { width: 640, height: 360, seconds: 2 });
    const changed = await cli(['verify', out, '--quality', '--json']);
    assert.equal(changed.code, 1);
    const doc = parseJson<ErrorDoc>(changed);
    assert.equal(doc.error.code, 'SOURCE_CHANGED');
    assert.match(doc.error.message, /the source changed since it was made \(size/);
  });

  it('thresholds on the command line replace the preset’s; impossible ones are usage errors (exit 2)', async () => {
    const strict = await cli([
      'encode',
      source,
      '--preset',
      'mp4-h264',
      '--min-psnr',
      '99',
      '--to',
      `${path.join(home, 'strict')}/`,
      '--json',
    ]);
    assert.equal(strict.code, 1);
    const doc = parseJson<ErrorDoc>(strict);
    assert.equal(doc.error.code, 'QUALITY_BELOW_THRESHOLD');
    assert.equal(doc.error.details?.quality?.thresholds.minPsnr, 99);
    assert.equal(doc.error.details?.quality?.thresholds.minSsim, 0.9, 'the preset’s SSIM threshold still holds');

    const skipped = await cli(['encode', source, '--no-quality-gate', '--to', `${path.join(home, 'ungated')}/`, '--json']);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.equal(parseJson<EncodeResult>(skipped).quality, null, '--no-quality-gate scores nothing');
    assert.equal((JSON.parse(readFileSync(path.join(home, 'ungated', 'manifest.json'), 'utf8')) as Manifest).quality, null);

    const cases: [string[], RegExp][] = [
      [['--no-quality-gate', '--min-ssim', '0.9'], /--no-quality-gate skips the gate that --min-ssim would set/],
      [['--min-ssim', '1.5'], /--min-ssim must be a number from 0 to 1, not '1\.5'/],
      [['--min-psnr', 'high'], /--min-psnr must be a number from 0 to 100/],
      [
        ['--preset', 'archive-ffv1', '--min-ssim', '0.9'],
        /the quality gate scores delivery renditions .* archive-ffv1 is a archive preset/,
      ],
    ];
    if (!hasLibvmaf()) cases.push([['--min-vmaf', '90'], /--min-vmaf asks for a VMAF threshold, but this ffmpeg has no libvmaf/]);
    for (const [args, message] of cases) {
      const result: CliResult = await cli(['encode', source, ...args, '--to', `${path.join(home, 'never')}/`]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    assert.equal(existsSync(path.join(home, 'never')), false);
  });
});

describe('per-title ladder', () => {
  const { home, cleanup } = tempHome('mpegflow-per-title-');
  const cli = (args: string[]) => runCli(args, { home, timeoutMs: 180_000 });
  const source = path.join(home, 'talking-head.mp4');
  const perTitle = path.join(home, 'per-title.json');

  before(() => {
    // a static background with a small moving patch: what a talking head costs an encoder
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-filter_complex'],
      "color=c=0x4a5a6a:s=640x360:r=25[bg];testsrc2=s=160x200:r=25[fg];[bg][fg]overlay=x='240+4*sin(t)':y=80,format=yuv420p",
      ...['-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '8', source],
    ]);
    const builtIn = JSON.parse(
      execFileSync(process.execPath, [path.resolve('bin/run.js'), 'preset', 'show', 'hls-h264', '--json'], {
        env: { ...process.env, MPEGFLOW_HOME: home },
        encoding: 'utf8',
      }),
    ) as { definition: object };
    writeFileSync(perTitle, JSON.stringify({ ...builtIn.definition, name: 'per-title', perTitle: { targetSsim: 0.99 } }));
  });
  after(cleanup);

  const videoBytes = (out: string) => {
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    return { manifest, bytes: manifest.outputs.filter((o) => /^\d+p\//.test(o.name)).reduce((sum, o) => sum + o.size, 0) };
  };

  it('on a static clip spends fewer bits than the fixed ladder, says why for each rung, and still passes the gate', async () => {
    const fixedOut = path.join(home, 'fixed');
    const tunedOut = path.join(home, 'tuned');
    assert.equal((await cli(['encode', source, '--to', `${fixedOut}/`])).code, 0);
    const tuned = await cli(['encode', source, '--preset-file', perTitle, '--to', `${tunedOut}/`, '--json']);
    assert.equal(tuned.code, 0, tuned.stdout);
    const result = parseJson<EncodeResult>(tuned);
    assert.ok(result.quality?.passed, 'the gate (SSIM >= 0.9, PSNR >= 30 dB) holds');
    const fixed = videoBytes(fixedOut);
    const per = videoBytes(tunedOut);
    assert.ok(per.bytes < fixed.bytes / 2, `per-title ${per.bytes} bytes against fixed ${fixed.bytes}`);
    const ladder = per.manifest.perTitle!;
    assert.equal(ladder.targetSsim, 0.99);
    assert.ok(ladder.analysisMs > 0);
    assert.equal(ladder.probes[0]!.points.length, 3);
    for (const rung of ladder.rungs) assert.match(rung.why, /SSIM 0\.99 reached at \d+k in the samples|dropped: it needs/);
    assert.deepEqual(
      result.decisions.filter((d) => d.subject === 'ladder').map((d) => d.from),
      ladder.rungs.map((r) => `${r.name} ${r.fixedBitrate} (fixed ladder)`),
    );
    for (const r of result.quality.renditions) assert.ok(r.ssim.mean >= 0.985, `${r.name} near its target: ${r.ssim.mean}`);
  });
});

describe('quality gate with MinIO', () => {
  const { home, cleanup } = tempHome('mpegflow-quality-minio-');
  const cli = (args: string[]) => runCli(args, { home, timeoutMs: 180_000 });
  const starvedFile = path.join(home, 'starved.json');
  let minio: Deployment;
  let client: Client;
  const keys = async (prefix: string) => {
    const found: string[] = [];
    for await (const o of client.listObjectsV2('out', prefix, true) as AsyncIterable<{ name: string }>) found.push(o.name);
    return found;
  };

  before(async () => {
    minio = await startSingleDrive();
    client = minio.client();
    await Promise.all([client.makeBucket('masters'), client.makeBucket('out')]);
    await client.fPutObject('masters', 'clip.mp4', makeVideo(path.join(home, 'clip.mp4'), { width: 640, height: 360, seconds: 3 }));
    writeFileSync(starvedFile, JSON.stringify(STARVED));
    await addEndpoints(home, { store: minio });
  });
  after(async () => {
    await minio?.stop();
    cleanup();
  });

  it('a starved rung stores nothing in the bucket: segments uploaded during the encode are removed, no manifest', async () => {
    const result = await cli(['encode', 'store/masters/clip.mp4', '--preset-file', starvedFile, '--to', 'store/out/starved/', '--json']);
    assert.equal(result.code, 1, result.stdout);
    const doc = parseJson<ErrorDoc>(result);
    assert.equal(doc.error.code, 'QUALITY_BELOW_THRESHOLD');
    assertStarvedScores(doc.error.details?.quality);
    assert.deepEqual(await keys('starved/'), []);
    assert.deepEqual(await incompleteUploads(client, 'out'), []);
  });

  it('a queued job with a starved rung fails once, without retry, keeping the scores as its result', async () => {
    const submitted = await cli([
      'job',
      'submit',
      'store/masters/clip.mp4',
      '--preset-file',
      starvedFile,
      '--to',
      'store/out/job/',
      '--json',
    ]);
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = parseJson<{ submitted: { id: number }[] }>(submitted).submitted[0]!.id;
    const worker = await cli(['worker', '--drain']);
    assert.equal(worker.code, 1, 'a drain with a failed job exits 1');
    const job = parseJson<JobDetail>(await cli(['job', 'show', String(id), '--json']));
    assert.equal(job.state, 'failed');
    assert.equal(job.attempts, 1, 'the same input scores the same again: not retried');
    assert.match(job.lastError ?? '', /below the quality gate: 180p/);
    assertStarvedScores((job.result as { quality?: QualityReport } | null)?.quality);
    assert.deepEqual(await keys('job/'), []);
  });

  it('a good encode in the bucket: verify --quality fetches the renditions and agrees with the recorded scores', async () => {
    const encoded = await cli(['encode', 'store/masters/clip.mp4', '--to', 'store/out/good/', '--json']);
    assert.equal(encoded.code, 0, encoded.stderr);
    const result = parseJson<EncodeResult>(encoded);
    assert.ok(result.quality?.passed);
    const verified = await cli(['verify', 'store/out/good/', '--quality', '--json']);
    assert.equal(verified.code, 0, verified.stdout);
    const check = parseJson<VerifyResult>(verified);
    assert.ok(check.quality?.agrees);
    assert.deepEqual(
      check.quality.measured.renditions.map((r) => r.ssim.mean),
      result.quality.renditions.map((r) => r.ssim.mean),
    );
  });
});
