import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { resolvePreset } from '../../src/core/encode/presets/presets.ts';
import type { EncodePlan } from '../../src/core/encode/planning/encode-plan.ts';
import { localPlan } from './local-plan.ts';
import { timed } from './timed.ts';

/**
 * What the benches that time `mpegflow encode` MinIO -> MinIO against the script it replaces share
 * (bench/encode.ts on loopback, bench/shaped-link.ts on a shaped link): the source, the endpoint,
 * the ffmpeg command and the `mc cp` + ffmpeg + `mc cp` script. The source is at bench/masters/master.mp4
 * of the store, which is the endpoint `bench` of mpegflow and the alias `bench` of mc.
 */

export interface BenchStore {
  url: string;
  accessKey: string;
  secretKey: string;
}

/** A `seconds` long 1080p25 H.264 source with AAC sound, written to `file`. */
export function generateSource(file: string, seconds: number): void {
  console.log(`generating a ${seconds} s 1080p25 H.264 source (testsrc2, qp 10) ...`);
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=25:duration=${seconds}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`],
    ...[
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-qp',
      '10',
      '-pix_fmt',
      'yuv420p',
      '-g',
      '25',
      '-c:a',
      'aac',
      '-b:a',
      '192k',
      '-movflags',
      '+faststart',
      file,
    ],
  ]);
}

/** Adds the store as mpegflow's endpoint `bench` in `home` (secret from the environment); returns the environment mpegflow then runs with. */
export async function addBenchEndpoint(work: string, cli: string, home: string, store: BenchStore): Promise<Record<string, string>> {
  const env = { MPEGFLOW_HOME: home, BENCH_SECRET: store.secretKey };
  await timed(
    work,
    process.execPath,
    [cli, 'endpoint', 'add', 'bench', '--url', store.url, '--access-key', store.accessKey, '--secret-key-env', 'BENCH_SECRET'],
    { env },
  );
  return env;
}

/** The arguments of `node` for an encode of the source into bench/out/`to`/ (with the hls-h264 preset unless `flags` name another). */
export function encodeArgs(cli: string, to: string, ...flags: string[]): string[] {
  return [cli, 'encode', 'bench/bench/masters/master.mp4', '--to', `bench/bench/out/${to}/`, ...flags, '--json'];
}

/** The ffmpeg command the pipeline runs for a preset (hls-h264 by default), for a local copy of the source. */
export async function presetCommand(
  source: string,
  name = 'hls-h264',
): Promise<{ plan: EncodePlan; ffmpegArgs: (input: string) => string[] }> {
  const preset = resolvePreset({ name });
  const plan = await localPlan(source, preset.definition);
  const ffmpegArgs = (input: string) => [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-nostats',
    '-i',
    input,
    ...plan.passes[0]!.outputArgs,
  ];
  return { plan, ffmpegArgs };
}

/**
 * The script operators run today, for `bash -c`: mc copies the source down, ffmpeg encodes it, mc copies
 * the ladder up to bench/out/`name`/. It works in `work`/`name` and leaves that folder behind. mc's
 * configuration (the alias `bench`) is made here, in `mcConfig`.
 */
export function encodeScript(
  work: string,
  mcConfig: string,
  store: BenchStore,
  ffmpegArgs: (input: string) => string[],
): (name: string) => string {
  execFileSync('mc', ['--config-dir', mcConfig, 'alias', 'set', 'bench', store.url, store.accessKey, store.secretKey], { stdio: 'ignore' });
  return (name) =>
    [
      'set -euo pipefail',
      `dir=${JSON.stringify(path.join(work, name))}`,
      'mkdir -p "$dir/out"',
      `mc --config-dir ${JSON.stringify(mcConfig)} cp --quiet bench/bench/masters/master.mp4 "$dir/master.mp4" >/dev/null`,
      `cd "$dir/out" && ffmpeg ${ffmpegArgs('../master.mp4')
        .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
        .join(' ')}`,
      `mc --config-dir ${JSON.stringify(mcConfig)} cp --quiet --recursive "$dir/out/" bench/bench/out/${name}/ >/dev/null`,
    ].join('\n');
}
