// package-hls (the picture stream-copied into HLS) MinIO -> MinIO against the script it replaces, `mc cp` +
// `ffmpeg -c copy` + `mc cp`: the case where transfer is all the work, in interleaved pairs (the order
// alternating). Prints the median ratio of the pairs with min and max, CPU seconds, the load, and PASS or FAIL
// against "never slower than the script" (< 1.0x).
// Usage: node bench/package.ts [pairs=5] [seconds=60]   (build first: npm run build)
// Starts its own MinIO on 127.0.0.1 and removes everything it made afterwards.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSingleDrive } from '../test/support/minio.ts';
import { addBenchEndpoint, encodeArgs, encodeScript, generateSource, presetCommand } from './support/encode-pair.ts';
import { median, spread, timed } from './support/timed.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pairs = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 60);
const cli = path.join(root, 'bin', 'run.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-package-'));
const minio = await startSingleDrive();

try {
  const source = path.join(work, 'master.mp4');
  generateSource(source, seconds);
  const client = minio.client();
  await client.makeBucket('bench');
  await client.fPutObject('bench', 'masters/master.mp4', source);
  const env = await addBenchEndpoint(work, cli, path.join(work, 'home'), minio);
  const { ffmpegArgs } = await presetCommand(source, 'package-hls');
  const script = encodeScript(work, path.join(work, 'mc'), minio, ffmpegArgs);

  const runMpegflow = (i: number) => timed(work, process.execPath, encodeArgs(cli, `mpegflow-${i}`, '--preset', 'package-hls'), { env });
  const runScript = async (i: number) => {
    const run = await timed(work, 'bash', ['-c', script(`script-${i}`)]);
    rmSync(path.join(work, `script-${i}`), { recursive: true, force: true });
    return run;
  };
  const ratios: number[] = [];
  const cpu = { mpegflow: [] as number[], script: [] as number[] };
  for (let i = -1; i < pairs; i++) {
    const [first, second] = i % 2 === 0 ? [runMpegflow, runScript] : [runScript, runMpegflow];
    const a = await first(i);
    const b = await second(i);
    const [mf, sc] = i % 2 === 0 ? [a, b] : [b, a];
    // the first pair warms the page cache, MinIO and the tools
    if (i < 0) continue;
    ratios.push(mf.ms / sc.ms);
    cpu.mpegflow.push(mf.cpuS);
    cpu.script.push(sc.cpuS);
  }
  const ratio = median(ratios);
  console.log(
    `package-hls of a ${seconds} s 1080p25 H.264 source (${(statSync(source).size / 1e6).toFixed(0)} MB) MinIO -> MinIO; ${pairs} interleaved pairs after a warm-up; ${os.cpus().length} CPUs; load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    `  mpegflow / script ${spread(ratios)}; CPU s mpegflow ${median(cpu.mpegflow).toFixed(1)}, script ${median(cpu.script).toFixed(1)}; target < 1.0x: ${ratio < 1 ? 'PASS' : 'FAIL'}`,
  );
} finally {
  await minio.stop();
  rmSync(work, { recursive: true, force: true });
}
