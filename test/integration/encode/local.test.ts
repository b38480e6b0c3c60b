import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultDestination } from '../../../src/core/encode/outputs/locations.ts';
import type { Manifest } from '../../../src/core/encode/outputs/manifest.ts';
import { parseMediaPlaylist } from '../../../src/core/encode/ffmpeg/hls-output.ts';
import { runEncode, type RunEncodeOptions } from '../../../src/core/encode/pipeline.ts';
import { resolvePreset } from '../../../src/core/encode/presets/presets.ts';
import type { EncodeProgressEvent } from '../../../src/core/encode/ffmpeg/progress.ts';
import { verifyDestination } from '../../../src/core/encode/verify/verify.ts';
import { MpegflowError } from '../../../src/core/errors.ts';
import { duration, makeVideo, probe, rate, videoStream } from '../../support/media.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-encode-local-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const media = {
  hd1080: path.join(tmp, 'hd1080.mp4'),
  hd720: path.join(tmp, 'hd720.mov'),
  odd: path.join(tmp, 'odd 853x479 silent.mp4'),
  vfr: path.join(tmp, 'vfr.mkv'),
  vfrMp4: path.join(tmp, 'vfr-in-mp4.mp4'),
  small: path.join(tmp, 'small.mp4'),
};

before(() => {
  makeVideo(media.hd1080, { width: 1920, height: 1080, seconds: 2, fps: 25 });
  makeVideo(media.hd720, { width: 1280, height: 720, seconds: 2, fps: 30 });
  makeVideo(media.odd, { width: 853, height: 479, seconds: 2, fps: 25, audio: false });
  makeVideo(media.vfr, { width: 640, height: 360, seconds: 3, fps: 30, vfr: true });
  makeVideo(media.vfrMp4, { width: 640, height: 360, seconds: 3, fps: 30, vfr: true });
  makeVideo(media.small, { width: 640, height: 360, seconds: 2, fps: 25 });
});

async function encode(file: string, presetName: string, extra: Partial<RunEncodeOptions> = {}) {
  const preset = resolvePreset({ name: presetName });
  const source = { kind: 'local' as const, path: file };
  const events: EncodeProgressEvent[] = [];
  const result = await runEncode({
    source,
    preset,
    destination: defaultDestination(source, preset.name),
    onProgress: (e) => events.push(e),
    ...extra,
  });
  return { result, events, dir: result.destination };
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Every file of the output folder is in the manifest with its size and hash, and nothing else is there. */
function assertManifestMatches(dir: string): Manifest {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const files = readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => statSync(path.join(dir, f)).isFile() && f !== 'manifest.json')
    .sort();
  assert.deepEqual(manifest.outputs.map((o) => o.name).sort(), files);
  for (const output of manifest.outputs) {
    const file = path.join(dir, output.name);
    assert.equal(output.size, statSync(file).size, output.name);
    assert.equal(output.sha256, sha256(file), output.name);
  }
  return manifest;
}

/** A media playlist lists every segment in its folder and each listed segment exists; each segment starts with a keyframe. */
function assertPlaylist(dir: string, rendition: string): { durationSeconds: number } {
  const playlist = parseMediaPlaylist(readFileSync(path.join(dir, rendition, 'index.m3u8'), 'utf8'));
  assert.ok(playlist.ended, `${rendition} playlist has ENDLIST`);
  const onDisk = readdirSync(path.join(dir, rendition))
    .filter((f) => f.endsWith('.ts'))
    .sort();
  assert.deepEqual(playlist.segments, onDisk, `${rendition}: playlist and folder agree`);
  for (const segment of onDisk) {
    const first = execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-read_intervals',
        '%+#1',
        '-show_entries',
        'frame=key_frame',
        '-of',
        'default=nw=1:nk=1',
        path.join(dir, rendition, segment),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(first.trim().split('\n')[0], '1', `${rendition}/${segment} starts with a keyframe`);
  }
  return playlist;
}

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

describe('encode local → local (core pipeline, real ffmpeg)', () => {
  it('hls-h264: a 1080p source gets the whole ladder with aligned keyframes and a master playlist', async () => {
    const { result, events, dir } = await encode(media.hd1080, 'hls-h264');
    assert.equal(result.status, 'done');
    assert.equal(dir, path.join(tmp, 'hd1080.hls-h264'));
    assert.deepEqual(
      result.renditions.map((r) => `${r.name}=${r.width}x${r.height}`),
      ['1080p=1920x1080', '720p=1280x720', '480p=854x480', '360p=640x360'],
    );
    const master = readFileSync(path.join(dir, 'master.m3u8'), 'utf8');
    for (const r of result.renditions) {
      assert.match(master, new RegExp(`RESOLUTION=${r.width}x${r.height}.*\\n${r.name}/index\\.m3u8`));
      const playlist = assertPlaylist(dir, r.name);
      near(playlist.durationSeconds, 2, 2 / 25, `${r.name} playlist duration`);
      const probed = probe(path.join(dir, r.name, 'index.m3u8'));
      const video = videoStream(probed);
      assert.equal(video.codec_name, 'h264');
      assert.equal(`${video.width}x${video.height}`, `${r.width}x${r.height}`);
      assert.equal(rate(video.r_frame_rate), 25);
      near(duration(probed), 2, 2 / 25 + 0.03, `${r.name} duration`);
    }
    // the audio is encoded once, in a group every rung refers to
    assert.match(
      master,
      /#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_audio",NAME="Main",DEFAULT=YES,AUTOSELECT=YES,URI="audio_1\/index\.m3u8"/,
    );
    assert.equal((master.match(/AUDIO="group_audio"/g) ?? []).length, 4);
    const audio = probe(path.join(dir, 'audio_1', 'index.m3u8'));
    assert.deepEqual(
      audio.streams.map((s) => s.codec_name),
      ['aac'],
    );
    const manifest = assertManifestMatches(dir);
    assert.equal(manifest.preset.name, 'hls-h264');
    assert.equal(manifest.source.kind, 'local');
    assert.match(manifest.tools.ffmpeg, /^\d|^n?\d/);
    const percents = events.filter((e) => e.type === 'encode').map((e) => (e as { percent: number }).percent);
    assert.equal(percents.at(-1), 100);
    assert.deepEqual(
      percents,
      [...percents].sort((a, b) => a - b),
      'progress only goes up',
    );
    const stages = events
      .filter((e) => e.type === 'stage')
      .map((e) => `${(e as { stage: string }).stage}:${(e as { state: string }).state}`);
    assert.deepEqual(stages, [
      'probe:start',
      'probe:done',
      'encode:start',
      'encode:done',
      'quality:start',
      'quality:done',
      'upload:start',
      'upload:done',
      'manifest:start',
      'manifest:done',
    ]);
    assert.equal(
      [...readdirSync(tmp), ...readdirSync(dir)].filter((f) => f.includes('mpegflow-partial')).length,
      0,
      'no staging folder left',
    );
  });

  it('hls-h264: an odd-sized silent source gets one even-sized rung without audio', async () => {
    const { result, dir } = await encode(media.odd, 'hls-h264');
    assert.deepEqual(
      result.renditions.map((r) => [r.name, r.width, r.height, r.audioBitrate]),
      [['360p', 642, 360, null]],
    );
    assertPlaylist(dir, '360p');
    const probed = probe(path.join(dir, '360p', 'index.m3u8'));
    assert.equal(probed.streams.filter((s) => s.codec_type === 'audio').length, 0);
    assert.equal(`${videoStream(probed).width}x${videoStream(probed).height}`, '642x360');
    assertManifestMatches(dir);
  });

  for (const name of ['vfr', 'vfrMp4'] as const) {
    it(`hls-h264: a variable-frame-rate source (${name}) becomes constant frame rate`, async () => {
      const source = probe(media[name]);
      const pts = execFileSync(
        'ffprobe',
        ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', media[name]],
        { encoding: 'utf8' },
      )
        .split('\n')
        .filter(Boolean)
        .map(Number)
        .sort((a, b) => a - b);
      const steps = new Set(pts.slice(1).map((t, i) => (t - pts[i]!).toFixed(3)));
      assert.ok(steps.size > 1, `the test source has irregular frame intervals (${[...steps].join(' ')})`);
      const { result, dir } = await encode(media[name], 'hls-h264');
      const fps = rate(result.renditions[0]!.frameRate!);
      assert.equal(fps, 30, 'the nominal rate of the source');
      const probed = probe(path.join(dir, '360p', 'index.m3u8'), { countFrames: true });
      const video = videoStream(probed);
      assert.equal(rate(video.r_frame_rate), fps);
      const frames = Number(video.nb_read_frames);
      near(frames, duration(source) * fps, 2, 'frames of a CFR output');
      near(duration(probed), duration(source), 2 / fps + 0.03, 'duration');
    });
  }

  it('mp4-h264: one MP4 with the index first, at the source size', async () => {
    const { result, dir } = await encode(media.hd720, 'mp4-h264');
    const file = path.join(dir, 'video.mp4');
    const head = readFileSync(file)
      .subarray(0, 64 * 1024)
      .toString('latin1');
    assert.ok(head.indexOf('moov') > 0 && head.indexOf('moov') < head.indexOf('mdat'), 'faststart: moov before mdat');
    const probed = probe(file);
    assert.equal(videoStream(probed).codec_name, 'h264');
    assert.equal(`${videoStream(probed).width}x${videoStream(probed).height}`, '1280x720');
    assert.equal(rate(videoStream(probed).r_frame_rate), 30);
    near(duration(probed), 2, 2 / 30 + 0.03, 'duration');
    assert.deepEqual(
      result.outputs.map((o) => o.name),
      ['video.mp4'],
    );
  });

  it('proxy: at most 540 lines, even sizes', async () => {
    const { dir } = await encode(media.hd1080, 'proxy');
    const probed = probe(path.join(dir, 'proxy.mp4'));
    assert.equal(`${videoStream(probed).width}x${videoStream(probed).height}`, '960x540');
    near(duration(probed), 2, 2 / 25 + 0.03, 'duration');
    const odd = await encode(media.odd, 'proxy');
    const oddProbe = probe(path.join(odd.dir, 'proxy.mp4'));
    assert.equal(`${videoStream(oddProbe).width}x${videoStream(oddProbe).height}`, '852x478');
  });

  it('archive-ffv1: lossless FFV1 with a framemd5 sidecar that verify re-checks (AAC kept as its bitstream)', async () => {
    const { result, dir } = await encode(media.small, 'archive-ffv1');
    const probed = probe(path.join(dir, 'archive.mkv'));
    assert.equal(videoStream(probed).codec_name, 'ffv1');
    assert.equal(probed.streams.find((s) => s.codec_type === 'audio')?.codec_name, 'aac');
    near(duration(probed), 2, 2 / 25 + 0.03, 'duration');
    // lossless: the decoded source frames hash exactly as the archive's frames
    const sourceFrames = execFileSync('ffmpeg', ['-v', 'error', '-i', media.small, '-map', '0:v', '-f', 'framemd5', '-'], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter((l) => /^0,/.test(l))
      .map((l) => l.split(',').at(-1)!.trim());
    const sidecarFrames = readFileSync(path.join(dir, 'archive.framemd5'), 'utf8')
      .split('\n')
      .filter((l) => /^0,/.test(l))
      .map((l) => l.split(',').at(-1)!.trim());
    assert.equal(sidecarFrames.length, 50);
    assert.deepEqual(sidecarFrames, sourceFrames);
    assert.deepEqual(result.outputs.map((o) => o.name).sort(), ['archive.framemd5', 'archive.mkv']);

    const fresh = await verifyDestination({ destination: { kind: 'local', path: dir } });
    assert.equal(fresh.ok, true, JSON.stringify(fresh.problems));
    assert.equal(
      fresh.fixity?.frames,
      50 + Number(execFileSync('bash', ['-c', `grep -c '^1,' '${path.join(dir, 'archive.framemd5')}'`], { encoding: 'utf8' })),
    );

    // damage one byte in the middle of the FFV1 data: both the file hash and the frame checksums catch it
    const file = path.join(dir, 'archive.mkv');
    const bytes = readFileSync(file);
    const at = Math.floor(bytes.length * 0.6);
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(file, bytes);
    const damaged = await verifyDestination({ destination: { kind: 'local', path: dir } });
    assert.equal(damaged.ok, false);
    assert.deepEqual(
      damaged.problems.map((p) => [p.name, p.problem]),
      [
        ['archive.mkv', 'checksum'],
        ['archive.mkv', 'frames'],
      ],
    );
    assert.ok(damaged.fixity!.mismatches >= 1);
    assert.match(damaged.problems[1]!.message, /frame checksums differ from archive\.framemd5/);
  });

  it('thumbnails: a poster and a sprite sheet with its WebVTT index', async () => {
    const { dir } = await encode(media.hd720, 'thumbnails');
    const poster = videoStream(probe(path.join(dir, 'poster.jpg')));
    assert.equal(poster.codec_name, 'mjpeg');
    assert.equal(`${poster.width}x${poster.height}`, '1280x720');
    const sprite = videoStream(probe(path.join(dir, 'sprite.jpg')));
    assert.equal(`${sprite.width}x${sprite.height}`, '320x90', 'two 160x90 tiles for two seconds');
    const vtt = readFileSync(path.join(dir, 'sprite.vtt'), 'utf8');
    assert.match(vtt, /^WEBVTT/);
    assert.equal(vtt.match(/-->/g)?.length, 2);
    assert.match(vtt, /sprite\.jpg#xywh=160,0,160,90/);
    assertManifestMatches(dir);
  });

  it('skips an encode already done, refuses a different one, and re-encodes with overwrite', async () => {
    const first = await encode(media.small, 'mp4-h264');
    const again = await encode(media.small, 'mp4-h264');
    assert.equal(again.result.status, 'skipped');
    assert.deepEqual(again.result.outputs, first.result.outputs);
    assert.equal(
      again.events.some((e) => e.type === 'encode'),
      false,
      'no ffmpeg run',
    );
    // an output gone since: the manifest is not taken at its word, the encode is made again
    rmSync(path.join(first.dir, 'video.mp4'));
    const repaired = await encode(media.small, 'mp4-h264');
    assert.equal(repaired.result.status, 'done');
    assert.match(
      repaired.result.warnings.join('\n'),
      /but 1 of its 1 output is missing or changed since \(video\.mp4\): encoding it again/,
    );
    assertManifestMatches(first.dir);
    assert.equal((await encode(media.small, 'mp4-h264')).result.status, 'skipped');
    const other = path.join(tmp, 'other.mp4');
    makeVideo(other, { width: 320, height: 240, seconds: 1 });
    await assert.rejects(
      encode(other, 'mp4-h264', { destination: { kind: 'local', path: first.dir } }),
      (e: MpegflowError) => e.code === 'DESTINATION_EXISTS' && /--force/.test(e.suggestion ?? ''),
    );
    await assert.rejects(encode(media.small, 'mp4-h264', { ifExists: 'fail' }), (e: MpegflowError) => e.code === 'DESTINATION_EXISTS');
    const replaced = await encode(other, 'mp4-h264', { destination: { kind: 'local', path: first.dir }, ifExists: 'overwrite' });
    assert.equal(replaced.result.status, 'done');
    assert.equal((assertManifestMatches(first.dir).source as { path: string }).path, other);
    // a source touched since (a re-copy without -p): refused, saying what changed, not as if it were the same encode
    utimesSync(other, new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));
    await assert.rejects(
      encode(other, 'mp4-h264', { destination: { kind: 'local', path: first.dir } }),
      (e: MpegflowError) =>
        e.code === 'DESTINATION_EXISTS' &&
        /, and the source changed since it was made \(modified [^)]+ → 2026-01-02T03:04:05\.000Z\)$/.test(e.message),
    );
  });

  it('cancel: kills ffmpeg, leaves no manifest and no staging folder', async () => {
    const controller = new AbortController();
    const destination = { kind: 'local' as const, path: path.join(tmp, 'cancelled') };
    let started = false;
    const run = encode(media.hd1080, 'hls-h264', {
      destination,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'encode' && !started) {
          started = true;
          controller.abort();
        }
      },
    });
    await assert.rejects(run, (e: MpegflowError) => e.code === 'CANCELLED');
    assert.equal(existsSync(destination.path), false, 'the destination it made, with its staging folder, is gone');
    assert.equal(readdirSync(tmp).filter((f) => f.includes('mpegflow-partial')).length, 0);
    const ffmpegs = execFileSync('bash', ['-c', `pgrep -f -- "^ffmpeg .*${tmp}/hd1080.mp4" || true`], { encoding: 'utf8' }).trim();
    assert.equal(ffmpegs, '', 'no ffmpeg left running');
  });
});
