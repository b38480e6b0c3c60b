// Per-title ladders on a small corpus made by ffmpeg (a static talking head, high-motion sport, animation,
// film grain): each clip encoded with the fixed hls-h264 ladder and with a per-title ladder aimed at the SSIM
// the fixed ladder reached on it, both through `mpegflow encode` (each rung scored against the source).
// Prints, per clip, the video bits of each ladder, their mean SSIM over the rungs, the bits saved, and the
// per-title analysis's cost beside the encode's.
// Usage: node bench/per-title.ts [seconds]   (default 20 s clips at 1280x720 25 fps; build first: npm run build)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Manifest } from '../src/core/encode/outputs/manifest.ts';
import { resolvePreset } from '../src/core/encode/presets/presets.ts';
import { timed } from './support/timed.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.argv[2] ?? 20);
const cli = path.join(root, 'bin', 'run.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-per-title-'));
const env = { MPEGFLOW_HOME: path.join(work, 'home') };

const size = 's=1280x720:r=25';
const corpus: { name: string; graph: string }[] = [
  {
    name: 'talking head (static)',
    graph: `color=c=0x4a5a6a:${size}[bg];testsrc2=s=320x400:r=25[fg];[bg][fg]overlay=x='480+6*sin(t)':y='160+4*sin(1.3*t)'`,
  },
  { name: 'sport (high motion)', graph: `testsrc2=${size},rotate=a='0.6*t':fillcolor=0x205020` },
  { name: 'animation', graph: `mandelbrot=${size}` },
  { name: 'film grain', graph: `testsrc2=${size},noise=alls=18:allf=t` },
];

const base = resolvePreset({ name: 'hls-h264' }).definition;
if (base.kind !== 'hls') throw new Error('hls-h264 is not an HLS preset');
const preset = (name: string, extra: object) => {
  const file = path.join(work, `${name}.json`);
  // every frame scored, no threshold: the comparison needs the scores, not a verdict
  writeFileSync(file, JSON.stringify({ ...base, name, quality: {}, ...extra }));
  return file;
};

interface Run {
  bits: number;
  ssim: number;
  rungs: string;
  ms: number;
  analysisMs: number;
}

async function encode(source: string, presetFile: string, out: string): Promise<Run> {
  const run = await timed(work, process.execPath, [cli, 'encode', source, '--preset-file', presetFile, '--to', `${out}/`, '--json'], {
    env,
  });
  const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
  const video = manifest.outputs.filter((o) => /^\d+p\/seg_/.test(o.name));
  const scores = manifest.quality!.renditions;
  return {
    bits: video.reduce((sum, o) => sum + o.size * 8, 0),
    ssim: scores.reduce((sum, r) => sum + r.ssim.mean, 0) / scores.length,
    rungs: manifest.renditions.map((r) => `${r.name} ${r.videoBitrate}`).join(', '),
    ms: run.ms,
    analysisMs: manifest.perTitle?.analysisMs ?? 0,
  };
}

try {
  console.log(
    `corpus: ${corpus.length} clips of ${seconds} s at 1280x720 25 fps, made by ffmpeg; preset hls-h264 (rungs up to the source: 720p/480p/360p); ${os.cpus().length} CPUs`,
  );
  for (const [i, clip] of corpus.entries()) {
    const source = path.join(work, `clip-${i}.mp4`);
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-filter_complex',
      `${clip.graph},format=yuv420p`,
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-qp',
      '8',
      source,
    ]);
    const fixed = await encode(source, preset(`fixed-${i}`, {}), path.join(work, `fixed-${i}`));
    const target = Math.min(0.999, Number(fixed.ssim.toFixed(4)));
    const perTitle = await encode(
      source,
      preset(`per-title-${i}`, { perTitle: { targetSsim: target } }),
      path.join(work, `per-title-${i}`),
    );
    const saved = 1 - perTitle.bits / fixed.bits;
    console.log(`\n${clip.name}`);
    console.log(
      `  fixed ladder      ${(fixed.bits / seconds / 1000).toFixed(0).padStart(6)} kbit/s  SSIM ${fixed.ssim.toFixed(4)}  encode ${(fixed.ms / 1000).toFixed(1)} s   ${fixed.rungs}`,
    );
    console.log(
      `  per-title ladder  ${(perTitle.bits / seconds / 1000).toFixed(0).padStart(6)} kbit/s  SSIM ${perTitle.ssim.toFixed(4)}  encode ${(perTitle.ms / 1000).toFixed(1)} s (analysis ${(perTitle.analysisMs / 1000).toFixed(1)} s of it)   ${perTitle.rungs}`,
    );
    console.log(
      `  bits saved ${(saved * 100).toFixed(1)}% at SSIM ${perTitle.ssim - fixed.ssim >= 0 ? '+' : ''}${(perTitle.ssim - fixed.ssim).toFixed(4)} (target ${target}; equal within 0.002: ${Math.abs(perTitle.ssim - fixed.ssim) <= 0.002 ? 'yes' : 'no'})`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
