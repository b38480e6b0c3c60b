import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultDestination } from '../../../src/core/encode/outputs/locations.ts';
import { runEncode } from '../../../src/core/encode/pipeline.ts';
import { resolvePreset } from '../../../src/core/encode/presets/presets.ts';
import { verifyDestination } from '../../../src/core/encode/verify/verify.ts';
import type { Tools } from '../../../src/core/encode/ffmpeg/tools.ts';
import { MpegflowError } from '../../../src/core/errors.ts';
import { makeAudioOnly, makeGarbage, makeVideo } from '../../support/media.ts';
import { mountTmpfs } from '../../support/tmpfs.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-encode-bad-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string) => path.join(tmp, name);
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

before(() => {
  makeVideo(file('good.mp4'), { width: 320, height: 240, seconds: 2 });
  const good = readFileSync(file('good.mp4'));
  writeFileSync(file('truncated-faststart.mp4'), good.subarray(0, Math.floor(good.length * 0.6)));
  makeVideo(file('index-last.mp4'), { width: 320, height: 240, seconds: 2, faststart: false });
  const plain = readFileSync(file('index-last.mp4'));
  writeFileSync(file('truncated-index-last.mp4'), plain.subarray(0, Math.floor(plain.length * 0.6)));
  makeVideo(file('matroska.mkv'), { width: 320, height: 240, seconds: 3 });
  const mkv = readFileSync(file('matroska.mkv'));
  writeFileSync(file('truncated.mkv'), mkv.subarray(0, Math.floor(mkv.length * 0.5)));
  makeAudioOnly(file('audio-only.m4a'));
  makeGarbage(file('corrupt.mov'));
  writeFileSync(file('zero-byte.mp4'), '');
  mkdirSync(file('a-folder.mov'));
  // a video stream in a codec no decoder knows: the MP4's sample entry renamed
  writeFileSync(file('unknown-codec.mp4'), good.toString('latin1').replaceAll('avc1', 'zzzz').replaceAll('avcC', 'zzzC'), 'latin1');
  // eight PCM channels and no layout: nothing says which is the centre or the LFE
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=2', '-f', 'lavfi', '-i', 'sine=duration=2'],
    ...['-filter_complex', `[1]aformat=channel_layouts=7.1,pan=8c|${[...Array(8).keys()].map((c) => `c${c}=c${c}`).join('|')}[a]`],
    ...['-map', '0', '-map', '[a]', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'pcm_s16le', file('eight-channels.mkv')],
  ]);
});

function expectRefused(name: string, code: string, message: RegExp) {
  it(`${name}: ${code}`, async () => {
    const source = { kind: 'local' as const, path: file(name) };
    const before = readdirSync(tmp).sort();
    const preset = resolvePreset({ name: 'hls-h264' });
    const progress: string[] = [];
    await assert.rejects(
      runEncode({ source, preset, destination: defaultDestination(source, preset.name), onProgress: (e) => progress.push(e.type) }),
      (e: MpegflowError) => {
        assert.equal(e.code, code);
        assert.match(e.message, message);
        assert.ok(e.suggestion, 'an error says what to do');
        return true;
      },
    );
    assert.ok(!progress.includes('encode'), 'refused before any encode');
    assert.deepEqual(readdirSync(tmp).sort(), before, 'nothing written beside the source');
    assert.equal(existsSync(path.join(tmp, `${path.parse(name).name}.hls-h264`)), false);
  });
}

describe('bad sources are refused before any encode', () => {
  expectRefused('missing.mp4', 'SOURCE_NOT_FOUND', /missing\.mp4: no such file/);
  expectRefused('zero-byte.mp4', 'SOURCE_EMPTY', /empty \(0 bytes\)/);
  expectRefused('corrupt.mov', 'SOURCE_UNREADABLE', /not a media file ffmpeg can read/);
  expectRefused('truncated-faststart.mp4', 'SOURCE_TRUNCATED', /truncated: its header announces 2\.00 s but the data ends at/);
  expectRefused('truncated-index-last.mp4', 'SOURCE_UNREADABLE', /corrupt, truncated/);
  expectRefused('truncated.mkv', 'SOURCE_TRUNCATED', /truncated/);
  expectRefused('audio-only.m4a', 'SOURCE_NO_VIDEO', /no video stream \(audio only\)/);
  expectRefused('a-folder.mov', 'SOURCE_IS_FOLDER', /is a folder/);
  expectRefused(
    'unknown-codec.mp4',
    'SOURCE_CODEC_UNSUPPORTED',
    /its video stream 0 \(codec tag zzzz\) is in a codec this ffmpeg cannot decode/,
  );
  expectRefused('eight-channels.mkv', 'SOURCE_AUDIO_LAYOUT_UNKNOWN', /audio stream 1 has 8 channels and no channel layout/);

  it('a still image has no duration', async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=64x64', '-frames:v', '1', file('still.png')]);
    const source = { kind: 'local' as const, path: file('still.png') };
    await assert.rejects(
      runEncode({ source, preset: resolvePreset({ name: 'proxy' }), destination: { kind: 'local', path: file('still-out') } }),
      (e: MpegflowError) => e.code === 'SOURCE_NO_DURATION',
    );
  });

  it('a missing ffmpeg is named with how to install it', async () => {
    const source = { kind: 'local' as const, path: file('good.mp4') };
    await assert.rejects(
      runEncode({
        source,
        preset: resolvePreset({ name: 'proxy' }),
        destination: { kind: 'local', path: file('no-tools') },
        tools: { ffmpeg: '/nonexistent/ffmpeg', ffprobe: '/nonexistent/ffprobe' },
      }),
      (e: MpegflowError) => e.code === 'TOOL_NOT_FOUND' && /apt-get install -y ffmpeg/.test(e.suggestion ?? ''),
    );
  });
});

/** A tool that runs this shell script instead (which runs the real tool when it means to). */
function standIn(name: string, script: string): string {
  writeFileSync(file(name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return file(name);
}

/** A proxy encode of a local source, with some tools replaced. */
const encodeWith = (tools: Partial<Tools>, source: string, out: string) =>
  runEncode({
    source: { kind: 'local', path: file(source) },
    preset: resolvePreset({ name: 'proxy' }),
    destination: { kind: 'local', path: file(out) },
    tools: { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe', ...tools },
  });

describe('a source that cannot be read to its end', () => {
  it('deleted between the two probes: not found, not "truncated"', async () => {
    makeVideo(file('vanishing.mp4'), { width: 320, height: 240, seconds: 2 });
    // the second probe reads the last seconds (-read_intervals); the file is gone by then
    const ffprobe = standIn(
      'ffprobe-after-delete',
      `case " $* " in *" -read_intervals "*) rm -f '${file('vanishing.mp4')}';; esac\nexec ffprobe "$@"`,
    );
    await assert.rejects(encodeWith({ ffprobe }, 'vanishing.mp4', 'vanishing-out'), (e: MpegflowError) => {
      assert.equal(e.code, 'SOURCE_NOT_FOUND', `${e.code}: ${e.message}`);
      assert.doesNotMatch(e.message, /truncated/);
      return true;
    });
  });
});

describe('a tool killed by a signal (the OOM killer, kill -9)', () => {
  const killed = (tool: string) => (e: MpegflowError) => {
    assert.equal(e.code, 'TOOL_KILLED', `${e.code}: ${e.message}`);
    assert.equal(e.message, `${tool} was killed by SIGKILL (out of memory?)`);
    assert.ok(e.retryable, 'the job queue tries again later');
    assert.match(e.suggestion ?? '', /OOM killer/);
    return true;
  };

  it('ffprobe: not reported as a corrupt source', async () => {
    const ffprobe = standIn('ffprobe-killed', 'kill -9 $$');
    await assert.rejects(encodeWith({ ffprobe }, 'good.mp4', 'probe-killed'), killed('ffprobe'));
  });

  it('ffmpeg mid-encode: not reported as a codec problem', async () => {
    makeVideo(file('longer.mp4'), { width: 640, height: 360, seconds: 6 });
    // the encode (the call with -progress) is killed 0.3 s in; $$ is ffmpeg itself after the exec
    const ffmpeg = standIn(
      'ffmpeg-killed',
      `case " $* " in *" -progress "*) (sleep 0.3; kill -9 $$) >/dev/null 2>&1 &;; esac\nexec ffmpeg "$@"`,
    );
    await assert.rejects(
      encodeWith({ ffmpeg }, 'longer.mp4', 'encode-killed'),
      (e: MpegflowError) => killed('ffmpeg')(e) && /^\S*ffmpeg-killed .* -i \S*longer\.mp4 /.test(String(e.details?.command)),
    );
    assert.equal(existsSync(file('encode-killed')), false);
  });
});

describe('an encode into the folder of its own source', () => {
  const own = file('own');
  before(() => {
    mkdirSync(own);
    makeVideo(path.join(own, 'video.mp4'), { width: 320, height: 240, seconds: 1 });
    symlinkSync(own, file('own-link'));
  });

  for (const to of ['own', 'own-link']) {
    it(`refuses to write an output over the source (--to ${to}), and writes nothing`, async () => {
      const master = sha(path.join(own, 'video.mp4'));
      await assert.rejects(
        runEncode({
          source: { kind: 'local', path: path.join(own, 'video.mp4') },
          preset: resolvePreset({ name: 'mp4-h264' }),
          destination: { kind: 'local', path: file(to) },
        }),
        (e: MpegflowError) => e.code === 'OUTPUT_OVER_SOURCE' && /write its output video\.mp4 over its own source/.test(e.message),
      );
      assert.equal(sha(path.join(own, 'video.mp4')), master);
      assert.deepEqual(readdirSync(own), ['video.mp4']);
    });
  }
});

describe('a picture that ends long before its sound', () => {
  it('is judged by the picture: thumbnails from its second, and a warning naming what outlasts it', async () => {
    const source = file('short-picture.mp4');
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=1'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=20'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', source],
    ]);
    const warnings: string[] = [];
    const result = await runEncode({
      source: { kind: 'local', path: source },
      preset: resolvePreset({ name: 'thumbnails' }),
      destination: { kind: 'local', path: file('short-picture.thumbnails') },
      onProgress: (event) => {
        if (event.type === 'warning') warnings.push(event.message);
      },
    });
    assert.equal(result.status, 'done');
    assert.ok(result.outputs.some((o) => o.name === 'poster.jpg'));
    assert.ok(
      warnings.some((w) => /the container lasts 20\.\d\d s but the picture 1\.00 s \(audio 1 outlasts it\)/.test(w)),
      warnings.join('\n'),
    );
  });
});

describe('a full disk in the work folder', () => {
  const mountPoint = file('small-disk');
  const mount = mountTmpfs(mountPoint, '2m');
  after(() => {
    if (!('skip' in mount)) mount.unmount();
  });

  it('fails with a clear error and loses nothing', async (t) => {
    if ('skip' in mount) return t.skip(mount.skip);
    const destination = { kind: 'local' as const, path: path.join(mountPoint, 'clip') };
    // a finished small encode is already there
    const small = { kind: 'local' as const, path: file('good.mp4') };
    const first = await runEncode({ source: small, preset: resolvePreset({ name: 'thumbnails' }), destination });
    assert.equal(first.status, 'done');
    const before = readFileSync(path.join(destination.path, 'manifest.json'));
    const sourceHash = sha(file('matroska.mkv'));
    makeVideo(file('big.mp4'), { width: 1280, height: 720, seconds: 4 });
    await assert.rejects(
      runEncode({
        source: { kind: 'local', path: file('big.mp4') },
        preset: resolvePreset({ name: 'archive-ffv1' }),
        destination,
        ifExists: 'overwrite',
      }),
      (e: MpegflowError) => {
        assert.equal(e.code, 'WORK_DISK_FULL', `${e.code}: ${e.message}`);
        assert.match(e.message, /no space left on the device holding/);
        assert.match(e.suggestion ?? '', /--work-dir/);
        return true;
      },
    );
    // the earlier encode is untouched and still verifies; no staging folder is left; the sources are intact
    assert.deepEqual(readFileSync(path.join(destination.path, 'manifest.json')), before);
    assert.equal((await verifyDestination({ destination })).ok, true);
    assert.deepEqual(readdirSync(mountPoint), ['clip']);
    assert.equal(sha(file('matroska.mkv')), sourceHash);
  });
});
