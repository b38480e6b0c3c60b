import { mkdtemp, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { classifyFfmpegFailure } from '../ffmpeg/ffmpeg-failures.ts';
import { runTool, type Tools } from '../ffmpeg/tools.ts';
import { removeTree } from '../outputs/sink.ts';
import { h264Args, pictureChain } from '../planning/delivery.ts';
import { fitSize, formatRate, scaleChain, selectRungs } from '../planning/frame.ts';
import { PROBE_CRFS, sampleWindows, type LadderAnalysis } from '../planning/per-title.ts';
import type { HlsPreset } from '../presets/preset-model.ts';
import { scoreRenditions } from '../verify/quality-score.ts';
import { cancelledError, type ProbeInput, type ProbeResult } from './probe.ts';

/**
 * The measurements a per-title ladder is chosen from: samples of the source,
 * through the encode's own picture chain, are cut once into a lossless file;
 * every rung is encoded from it at each probe CRF (one decode, the preset's
 * own x264 settings) and scored by SSIM against the samples at its size.
 * Three ffmpeg runs whatever the ladder; their cost follows the samples'
 * length, not the title's.
 */
export async function analyseLadder(options: {
  preset: HlsPreset;
  probe: ProbeResult;
  input: ProbeInput;
  tools: Tools;
  signal: AbortSignal;
}): Promise<LadderAnalysis> {
  const { preset, probe, input, tools, signal } = options;
  const settings = preset.perTitle!;
  const started = Date.now();
  const { rate, videoHead } = pictureChain(preset, probe);
  const samples = sampleWindows(0, probe.durationSeconds, settings.samples ?? 3, settings.sampleSeconds ?? 2);
  const seconds = samples.reduce((sum, s) => sum + s.seconds, 0);
  const rungs = selectRungs(preset, probe).map((rung) => ({ name: rung.name, size: fitSize(probe, rung.height) }));
  const probes = rungs.flatMap((rung) => PROBE_CRFS.map((crf) => ({ rung, crf, file: `${rung.name}-crf${crf}.mkv` })));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mpegflow-ladder-'));
  const ffmpeg = async (args: string[], what: string, secrets: string[] = []) => {
    const run = await runTool({
      file: tools.ffmpeg,
      args: ['-hide_banner', '-nostdin', '-y', '-loglevel', 'level+warning', ...args],
      cwd: dir,
      signal,
      secrets,
    });
    if (run.aborted || signal.aborted) throw cancelledError();
    if (run.exitCode !== 0) throw classifyFfmpegFailure(run.stderrTail, `ffmpeg (${what})`, what, /^https?:/.test(input.url), dir);
  };
  try {
    const chain = videoHead.replace(/^\[0:/, '');
    await ffmpeg(
      [
        ...samples.flatMap((s) => [...(input.inputArgs ?? []), '-ss', String(s.start), '-t', String(s.seconds), '-i', input.url]),
        '-filter_complex',
        [
          ...samples.map((_, k) => `[${k}:${chain}[w${k}]`),
          `${samples.map((_, k) => `[w${k}]`).join('')}concat=n=${samples.length}:v=1:a=0,format=yuv420p[s]`,
        ].join(';'),
        ...['-map', '[s]', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', 'samples.mkv'],
      ],
      'the per-title samples',
      [input.url],
    );
    await ffmpeg(
      [
        '-i',
        'file:samples.mkv',
        '-filter_complex',
        [
          `[0:v:0]split=${probes.length}${probes.map((_, i) => `[p${i}]`).join('')}`,
          ...probes.map((p, i) => `[p${i}]${scaleChain(p.rung.size)},format=${preset.video.pixelFormat}[e${i}]`),
        ].join(';'),
        ...probes.flatMap((p, i) => ['-map', `[e${i}]`, ...h264Args(preset.video), '-crf', String(p.crf), '-f', 'matroska', p.file]),
      ],
      'the per-title probe encodes',
    );
    const scores = await scoreRenditions({
      plan: {
        head: '[0:v:0]null',
        frameStep: 1,
        frameRate: formatRate(rate),
        thresholds: { minSsim: null, minPsnr: null, minVmaf: null },
        renditions: probes.map((p) => ({
          name: p.file,
          media: p.file,
          reference: `${scaleChain(p.rung.size)},format=${preset.video.pixelFormat}`,
        })),
      },
      source: { url: `file:${path.join(dir, 'samples.mkv')}`, display: 'the per-title samples', inputArgs: [] },
      media: (name) => ({ url: `file:${path.join(dir, name)}`, inputArgs: [] }),
      durationSeconds: seconds,
      tools,
      signal,
    });
    const points = await Promise.all(
      probes.map(async (p) => ({
        rung: p.rung.name,
        crf: p.crf,
        bitrate: Math.round(((await stat(path.join(dir, p.file))).size * 8) / seconds),
        ssim: scores.renditions.find((r) => r.name === p.file)!.ssim.mean,
      })),
    );
    return {
      targetSsim: settings.targetSsim,
      samples,
      rungs: rungs.map((rung) => ({
        name: rung.name,
        points: points.filter((p) => p.rung === rung.name).map(({ crf, bitrate, ssim }) => ({ crf, bitrate, ssim })),
      })),
      analysisMs: Date.now() - started,
    };
  } finally {
    await removeTree(dir);
  }
}
