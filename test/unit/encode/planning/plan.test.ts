import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planEncode, spriteVtt } from '../../../../src/core/encode/planning/plan.ts';
import { fitSize, outputFrameRate, selectRungs, sourceFrameRate } from '../../../../src/core/encode/planning/frame.ts';
import type { ProbeResult } from '../../../../src/core/encode/source/probe.ts';
import { resolvePreset } from '../../../../src/core/encode/presets/presets.ts';
import { audioTrack, probeResult } from '../../../support/probe-result.ts';

function probe(
  width: number,
  height: number,
  options: { fps?: [number, number]; nominal?: [number, number]; audio?: boolean; duration?: number; sar?: [number, number] } = {},
): ProbeResult {
  const [num, den] = options.fps ?? [25, 1];
  return probeResult({
    durationSeconds: options.duration ?? 10,
    video: {
      width,
      height,
      sampleAspectRatio: { num: options.sar?.[0] ?? 1, den: options.sar?.[1] ?? 1 },
      frameRate: { num, den },
      nominalFrameRate: options.nominal ? { num: options.nominal[0], den: options.nominal[1] } : { num, den },
      variableFrameRate: Boolean(options.nominal),
    },
    audioTracks: options.audio === false ? [] : [audioTrack(1)],
  });
}

/** A programme at -20 LUFS: within reach of the built-in presets' -16 LUFS linearly. */
const measured = { integratedLufs: -20, thresholdLufs: -30, rangeLu: 5, truePeakDbtp: -8 };

const hls = resolvePreset({ name: 'hls-h264' });
const hlsDef = hls.definition.kind === 'hls' ? hls.definition : (undefined as never);

describe('encode plans', () => {
  it('drops ladder rungs above the source and keeps at least one', () => {
    assert.deepEqual(
      selectRungs(hlsDef, probe(1920, 1080)).map((r) => r.name),
      ['1080p', '720p', '480p', '360p'],
    );
    assert.deepEqual(
      selectRungs(hlsDef, probe(1280, 720)).map((r) => r.name),
      ['720p', '480p', '360p'],
    );
    assert.deepEqual(
      selectRungs(hlsDef, probe(853, 479)).map((r) => r.name),
      ['360p'],
    );
    assert.deepEqual(
      selectRungs(hlsDef, probe(320, 240)).map((r) => r.name),
      ['360p'],
    );
    assert.deepEqual(
      selectRungs(hlsDef, probe(1080, 1920)).map((r) => r.name),
      ['1080p', '720p', '480p', '360p'],
      'portrait: the short side counts',
    );
  });

  it('makes even output sizes, never above the source', () => {
    assert.deepEqual(fitSize(probe(853, 479), 360), { width: 642, height: 360 });
    assert.deepEqual(fitSize(probe(853, 479), 1080), { width: 852, height: 478 });
    assert.deepEqual(fitSize(probe(320, 240), 360), { width: 320, height: 240 });
    assert.deepEqual(fitSize(probe(1080, 1920), 720), { width: 720, height: 1280 });
    assert.deepEqual(
      fitSize(probe(720, 576, { sar: [16, 15] }), 576),
      { width: 768, height: 576 },
      'anamorphic sources are made square-pixel',
    );
  });

  it('picks a constant output frame rate', () => {
    assert.deepEqual(outputFrameRate({ num: 30, den: 1 }, 60), { num: 30, den: 1 });
    assert.deepEqual(outputFrameRate({ num: 30000, den: 1001 }, 60), { num: 30000, den: 1001 });
    assert.deepEqual(outputFrameRate({ num: 2997, den: 100 }, 60), { num: 30000, den: 1001 });
    assert.deepEqual(outputFrameRate({ num: 120, den: 1 }, 60), { num: 60, den: 1 });
    assert.deepEqual(outputFrameRate({ num: 1000, den: 57 }, 60), { num: 18, den: 1 }, 'a VFR average is rounded');
  });

  it('encodes a variable-rate source at its nominal standard rate, else its average', () => {
    assert.deepEqual(sourceFrameRate(probe(640, 360, { fps: [2250, 100], nominal: [30, 1] })), { num: 30, den: 1 });
    assert.deepEqual(sourceFrameRate(probe(640, 360, { fps: [2250, 100], nominal: [90000, 1] })), { num: 2250, den: 100 });
    assert.deepEqual(sourceFrameRate(probe(640, 360, { fps: [2250, 100] })), { num: 2250, den: 100 });
  });

  it('encodes the whole HLS ladder in one ffmpeg run with aligned keyframes', () => {
    const plan = planEncode(hlsDef, probe(1920, 1080, { fps: [30, 1] }), { loudness: [measured] });
    assert.equal(plan.passes.length, 1);
    const args = plan.passes[0]!.outputArgs;
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    assert.match(graph, /^\[0:0\]fps=30,split=4\[s0\]\[s1\]\[s2\]\[s3\];/);
    assert.match(graph, /\[s1\]scale=1280:720/);
    assert.equal(args[args.indexOf('-g') + 1], '180');
    assert.equal(args[args.indexOf('-sc_threshold') + 1], '0');
    assert.equal(args[args.indexOf('-force_key_frames') + 1], 'expr:gte(t,n_forced*6)');
    // audio once, in a group every rung refers to
    assert.equal(
      args[args.indexOf('-var_stream_map') + 1],
      'v:0,agroup:audio,name:1080p v:1,agroup:audio,name:720p v:2,agroup:audio,name:480p v:3,agroup:audio,name:360p a:0,agroup:audio,name:audio_1,default:yes',
    );
    assert.equal(args.filter((a) => a === '-b:a').length, 1);
    assert.equal(args.at(-1), '%v/index.m3u8');
    assert.ok(args.includes('independent_segments+temp_file'));
    assert.deepEqual(
      plan.durationChecks.map((c) => c.output),
      ['1080p/index.m3u8', '720p/index.m3u8', '480p/index.m3u8', '360p/index.m3u8', 'audio_1/index.m3u8'],
    );
  });

  it('leaves audio out of the ladder of a silent source', () => {
    const plan = planEncode(hlsDef, probe(640, 360, { audio: false }));
    const args = plan.passes[0]!.outputArgs;
    assert.equal(args[args.indexOf('-var_stream_map') + 1], 'v:0,name:360p');
    assert.equal(plan.hls!.audio.length, 0);
    assert.ok(!args.includes('-c:a'));
    assert.equal(plan.renditions[0]!.audioBitrate, null);
  });

  it('plans the FFV1 archive with a framemd5 pass over the output', () => {
    const plan = planEncode(resolvePreset({ name: 'archive-ffv1' }).definition, probe(640, 360));
    assert.deepEqual(
      plan.passes.map((p) => [p.stage, p.input]),
      [
        ['encode', { kind: 'source' }],
        ['fixity', { kind: 'output', name: 'archive.mkv' }],
      ],
    );
    const [encode, fixity] = plan.passes;
    assert.deepEqual(encode!.outputArgs.slice(encode!.outputArgs.indexOf('-c:v'), encode!.outputArgs.indexOf('-c:v') + 4), [
      '-c:v',
      'ffv1',
      '-level',
      '3',
    ]);
    // the AAC of this source is kept as its bitstream; PCM would become FLAC
    assert.equal(encode!.outputArgs[encode!.outputArgs.indexOf('-c:a:0') + 1], 'copy');
    const pcm = planEncode(resolvePreset({ name: 'archive-ffv1' }).definition, {
      ...probe(640, 360),
      audioTracks: [audioTrack(1, { codec: 'pcm_s24le', sampleFormat: 's32', bitDepth: 24 })],
    });
    assert.equal(pcm.passes[0]!.outputArgs[pcm.passes[0]!.outputArgs.indexOf('-c:a:0') + 1], 'flac');
    assert.deepEqual(fixity!.outputArgs.slice(-3), ['-f', 'framemd5', 'archive.framemd5']);
  });

  it('writes MP4 with faststart at even sizes', () => {
    const plan = planEncode(resolvePreset({ name: 'mp4-h264' }).definition, probe(853, 479), { loudness: [measured] });
    const args = plan.passes[0]!.outputArgs;
    assert.match(args[args.indexOf('-filter_complex') + 1]!, /scale=852:478/);
    assert.equal(args[args.indexOf('-movflags') + 1], '+faststart');
    assert.equal(args.at(-1), 'video.mp4');
  });

  it('fits the sprite sheet to the duration and indexes it in WebVTT', () => {
    const plan = planEncode(resolvePreset({ name: 'thumbnails' }).definition, probe(1280, 720, { duration: 4.2 }));
    const index = plan.spriteIndex!;
    assert.deepEqual([index.tiles, index.columns, index.rows, index.intervalSeconds], [5, 5, 1, 1]);
    const vtt = spriteVtt(index, 90, 4.2);
    assert.match(vtt, /^WEBVTT\n/);
    assert.match(vtt, /00:00:04\.000 --> 00:00:04\.200\nsprite\.jpg#xywh=640,0,160,90/);
    const long = planEncode(resolvePreset({ name: 'thumbnails' }).definition, probe(1280, 720, { duration: 3600 })).spriteIndex!;
    assert.equal(long.tiles, 100);
    assert.equal(long.intervalSeconds, 36);
  });
});
