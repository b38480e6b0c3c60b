// What treating a source right costs, each against the plain ffmpeg (or ffprobe) a user would otherwise run,
// interleaved, medians:
//   1. a 1080i50 HLS ladder with deinterlacing (mpegflow encode) against the same ladder without it (ffmpeg);
//   2. an MP4 with two-pass loudness normalisation (mpegflow encode) against the same encode without it (ffmpeg);
//   3. mpegflow probe (idet on a sample, no loudness) against ffprobe -show_format -show_streams.
// Prints the ratios and the peak RSS of the mpegflow node process.
// Usage: node bench/sources.ts [runs] [seconds]   (default 5 runs of 30 s sources; build first: npm run build)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolvePreset } from '../src/core/encode/presets/presets.ts';
import type { PresetDefinition } from '../src/core/encode/presets/preset-model.ts';
import { localPlan } from './support/local-plan.ts';
import { median, timed } from './support/timed.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 30);
const cli = path.join(root, 'bin', 'run.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-sources-'));
const env = { MPEGFLOW_HOME: path.join(work, 'home') };
const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);

/** A filter chain with the filters matching `without` taken out; their pad labels ([0:0], [a0]) stay on the chain. */
function stripFilters(chain: string, without: RegExp): string {
  const lead = /^(\[[^\]]*\])*/.exec(chain)![0];
  const tail = /(\[[^\]]*\])*$/.exec(chain)![0];
  const kept = chain
    .slice(lead.length, chain.length - tail.length)
    .split(',')
    .filter((filter) => !without.test(filter));
  return `${lead}${kept.join(',') || 'anull'}${tail}`;
}

/** The plan's ffmpeg command for a local file, with some of its filters taken out: the same work minus the treatment. */
function plainCommand(args: string[], source: string, without: RegExp): string[] {
  const graph = args.indexOf('-filter_complex') + 1;
  const stripped = args.map((arg, i) =>
    i === graph
      ? arg
          .split(';')
          .map((chain) => stripFilters(chain, without))
          .join(';')
      : arg,
  );
  return ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-nostats', '-i', source, ...stripped];
}

interface Pair {
  name: string;
  target: number;
  mpegflow: () => Promise<{ ms: number; peakRssKb: number }>;
  peer: () => Promise<{ ms: number }>;
  peerName: string;
}

try {
  console.log(`generating ${seconds} s sources (1080i50 TFF H.264; 1080p25 with a programme mixed at about -10 LUFS) ...`);
  const interlaced = path.join(work, 'interlaced.mp4');
  ffmpeg([
    ...['-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=50:duration=${seconds}`, '-f', 'lavfi', '-i', `sine=duration=${seconds}`],
    ...[
      '-vf',
      'interlace=scan=tff,setfield=tff',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-flags',
      '+ildct+ilme',
      '-x264-params',
      'tff=1',
    ],
    ...['-c:a', 'aac', '-ac', '2', interlaced],
  ]);
  const loud = path.join(work, 'loud.mp4');
  ffmpeg([
    ...['-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=25:duration=${seconds}`],
    ...['-f', 'lavfi', '-i', `anoisesrc=color=pink:amplitude=0.9:duration=${seconds}:sample_rate=48000,alimiter=limit=0.99`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-ac', '2', '-b:a', '192k', loud],
  ]);

  // the ladder without a loudness target, so the first pair measures the deinterlacing alone
  const hls = resolvePreset({ name: 'hls-h264' }).definition as Extract<PresetDefinition, { kind: 'hls' }>;
  const ladderFile = path.join(work, 'ladder.json');
  const ladder = {
    ...hls,
    name: 'ladder',
    audio: { codec: hls.audio.codec, channels: hls.audio.channels, sampleRate: hls.audio.sampleRate },
  };
  writeFileSync(ladderFile, JSON.stringify(ladder));
  const ladderArgs = (await localPlan(interlaced, ladder)).passes[0]!.outputArgs;
  const mp4 = resolvePreset({ name: 'mp4-h264' }).definition;
  const mp4Args = (await localPlan(loud, mp4)).passes[0]!.outputArgs;

  let out = 0;
  const folder = () => {
    const dir = path.join(work, `out-${out++}`);
    mkdirSync(dir);
    return dir;
  };
  const encode = (source: string, preset: string[]) => () =>
    timed(work, process.execPath, [cli, 'encode', source, ...preset, '--to', folder(), '--json'], { env });
  const pairs: Pair[] = [
    {
      name: '1080i50 HLS ladder, deinterlaced',
      target: 1.1,
      mpegflow: encode(interlaced, ['--preset-file', ladderFile]),
      peer: () => timed(work, 'ffmpeg', plainCommand(ladderArgs, interlaced, /^bwdif=/), { cwd: folder() }),
      peerName: 'ffmpeg, the same ladder without bwdif',
    },
    {
      name: 'MP4, loudness normalised in two passes',
      target: 1.1,
      mpegflow: encode(loud, ['--preset', 'mp4-h264']),
      peer: () => timed(work, 'ffmpeg', plainCommand(mp4Args, loud, /^volume=|^alimiter=|^aresample=/), { cwd: folder() }),
      peerName: 'ffmpeg, the same encode without it',
    },
    {
      name: 'probe (idet on a sample, no loudness)',
      target: 1.5,
      mpegflow: () => timed(work, process.execPath, [cli, 'probe', interlaced, '--json'], { env }),
      peer: () => timed(work, 'ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', interlaced]),
      peerName: 'ffprobe -show_format -show_streams',
    },
  ];
  console.log(`${os.cpus().length} CPUs; load average ${os.loadavg()[0]!.toFixed(2)}; ${runs} interleaved runs of each`);
  for (const pair of pairs) {
    const a: number[] = [];
    const b: number[] = [];
    let peak = 0;
    await pair.mpegflow();
    for (let run = 0; run < runs; run++) {
      const mine = await pair.mpegflow();
      a.push(mine.ms);
      peak = Math.max(peak, mine.peakRssKb);
      b.push((await pair.peer()).ms);
      for (const dir of Array.from({ length: out }, (_, i) => path.join(work, `out-${i}`))) rmSync(dir, { recursive: true, force: true });
    }
    const ratio = median(a) / median(b);
    console.log(
      `${pair.name.padEnd(42)} mpegflow ${(median(a) / 1000).toFixed(2)} s, ${pair.peerName} ${(median(b) / 1000).toFixed(2)} s: ${ratio.toFixed(2)}x (target <= ${pair.target}x); node peak RSS ${(peak / 1024).toFixed(0)} MB`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
