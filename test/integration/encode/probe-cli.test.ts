import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { SourceReport } from '../../../src/core/encode/source/describe-source.ts';
import type { EncodeResult } from '../../../src/core/encode/outputs/encode-result.ts';
import { parseJson, runCli, tempHome } from '../../support/cli.ts';
import { loudnessOf } from '../../support/qc.ts';
import { makeSourceShapes } from '../../support/sources.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-probe-'));
const { home, cleanup } = tempHome();
after(() => {
  rmSync(tmp, { recursive: true, force: true });
  cleanup();
});
const shapes = makeSourceShapes(tmp);
const shape = (name: RegExp) => shapes.find((s) => name.test(s.name))!;
const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'pipe' });

describe('mpegflow probe', () => {
  it('describes a broadcast file: interlaced BFF by idet, four discrete mono tracks, timecode; and what hls-h264 does with it', async () => {
    const result = await runCli(['probe', shape(/XDCAM/).file, '--preset', 'hls-h264', '--json'], { home });
    assert.equal(result.code, 0, result.stderr);
    const report = parseJson<SourceReport>(result);
    const { video } = report.description;
    assert.deepEqual([video.scan.order, video.scan.from], ['bff', 'idet']);
    assert.equal(video.chroma, '4:2:2');
    assert.equal(report.description.audioTracks.length, 4);
    assert.deepEqual(
      report.description.audioTracks.map((a) => [a.channels, a.layout, a.bitDepth]),
      [...Array(4)].map(() => [1, null, 24]),
    );
    assert.equal(report.description.timecode, '00:00:00:00');
    const decisions = report.preset!.decisions.map((d) => `${d.subject}: ${d.to}`);
    assert.ok(decisions.includes('scan: progressive: bwdif, one frame per frame'), decisions.join('\n'));
    assert.ok(decisions.some((d) => /^audio: stereo from tracks 1 \(left\) and 2 \(right\); tracks 3, 4 not carried/.test(d)));
    assert.ok(decisions.some((d) => /^loudness: -16 LUFS: linear gain/.test(d)));
    assert.equal(report.loudness, null, 'loudness is measured only when asked');
  });

  it('believes idet over a container that calls interlaced video progressive, and says so', async () => {
    const liar = path.join(tmp, 'interlaced-called-progressive.mp4');
    ffmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=size=720x576:rate=50:duration=3'],
      ...['-vf', 'interlace=scan=tff,setfield=prog', '-c:v', 'libx264', '-preset', 'ultrafast', liar],
    ]);
    const result = await runCli(['probe', liar], { home });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Scan\s+interlaced, top field first, by idet \(idet: \d+ TFF, 0 BFF, 0 progressive/);
    assert.match(result.stdout, /warning: the container says the picture is progressive, but idet finds it interlaced, top field first/);
  });

  it('measures every track with --loudness as ebur128 does, and shows HDR10 metadata', async () => {
    const result = await runCli(['probe', shape(/HDR10/).file, '--loudness', '--json'], { home });
    assert.equal(result.code, 0, result.stderr);
    const report = parseJson<SourceReport>(result);
    const measured = loudnessOf(shape(/HDR10/).file).integrated;
    assert.ok(
      Math.abs(report.loudness![0]!.integratedLufs - measured) <= 0.1,
      `${report.loudness![0]!.integratedLufs} against ${measured}`,
    );
    const { colour } = report.description.video;
    assert.equal(colour.dynamicRange, 'hdr10');
    assert.deepEqual(colour.contentLightLevel, { maxCll: 1000, maxFall: 400 });
    assert.equal(colour.masteringDisplay!.maxLuminance, 1000);
  });

  it('refuses what it cannot read with exit 1, and a mistyped preset with exit 2 and the name meant', async () => {
    const missing = await runCli(['probe', path.join(tmp, 'nope.mov'), '--json'], { home });
    assert.equal(missing.code, 1);
    assert.equal(parseJson<{ error: { code: string } }>(missing).error.code, 'SOURCE_NOT_FOUND');
    const preset = await runCli(['probe', shape(/anamorphic/).file, '--preset', 'hls-h246'], { home });
    assert.equal(preset.code, 2, preset.stderr);
    assert.match(preset.stderr, /did you mean 'hls-h264'\?/);
  });
});

describe('loudness a linear gain cannot reach under the ceiling', () => {
  it('gets the gain with its peaks limited, said in the plan, and keeps under the true-peak ceiling', async () => {
    // a quiet programme (-26 LUFS) with short loud clicks: +10 dB would push the clicks over -1 dBTP
    const source = path.join(tmp, 'quiet-with-peaks.mp4');
    ffmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=8'],
      ...['-f', 'lavfi', '-i', 'anoisesrc=color=pink:amplitude=0.25:duration=8:sample_rate=48000'],
      ...['-f', 'lavfi', '-i', "aevalsrc='0.95*sin(2*PI*1000*t)*lt(mod(t\\,2)\\,0.003)':s=48000:d=8"],
      ...['-filter_complex', '[1][2]amix=inputs=2:normalize=0[a]', '-map', '0', '-map', '[a]'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-b:a', '192k', source],
    ]);
    const result = await runCli(['encode', source, '--preset', 'mp4-h264', '--to', path.join(tmp, 'dynamic'), '--json'], { home });
    assert.equal(result.code, 0, result.stderr);
    const encoded = parseJson<EncodeResult>(result);
    const loudness = encoded.decisions.find((d) => d.subject === 'loudness')!;
    assert.match(loudness.to, /^-16 LUFS: gain \+\d+\.\d dB \(\+\d\.\d dB for what the limiter takes\), peaks limited to -2 dBTP/);
    const { integrated, truePeak } = loudnessOf(path.join(tmp, 'dynamic', 'video.mp4'));
    assert.ok(Math.abs(integrated - -16) <= 1, `${integrated} LUFS`);
    assert.ok(truePeak <= -0.7, `${truePeak} dBTP`);
  });
});
