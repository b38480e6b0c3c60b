// What writing a preservation master into MinIO costs against writing it to local disk: the same
// `mpegflow encode --preset archive-ffv1` of a local 1080p source with film-like noise (FFV1 + FLAC in
// Matroska at about 22 MB a second, its framemd5 sidecar and the lossless proof), once to a folder and once to a bucket
// (multipart upload streamed while ffmpeg writes), in interleaved pairs. Prints the median ratio of the
// pairs with min and max, CPU seconds, the load, and PASS or FAIL against #29's target (<= 1.02x).
// Usage: node bench/archive.ts [pairs=5] [seconds=10]   (build first: npm run build)
// Starts its own MinIO on 127.0.0.1 and removes everything it made afterwards.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSingleDrive } from '../test/support/minio.ts';
import { addBenchEndpoint } from './support/encode-pair.ts';
import { median, spread, timed } from './support/timed.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pairs = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 10);
const cli = path.join(root, 'bin', 'run.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-archive-'));
const minio = await startSingleDrive();

try {
  const source = path.join(work, 'master.mp4');
  console.log(`generating a ${seconds} s 1080p25 H.264 source at 25 Mbit/s ...`);
  execFileSync('ffmpeg', [
    ...[
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=1920x1080:rate=25:duration=${seconds},noise=alls=12:allf=t`,
    ],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '25M', '-pix_fmt', 'yuv420p', '-c:a', 'aac', source],
  ]);
  const env = await addBenchEndpoint(work, cli, path.join(work, 'home'), minio);
  await minio.client().makeBucket('archive');
  const encode = (to: string[]) =>
    timed(work, process.execPath, [cli, 'encode', source, '--preset', 'archive-ffv1', ...to, '--json'], { env });

  const ratios: number[] = [];
  const times = { local: [] as number[], minio: [] as number[] };
  const cpu = { local: [] as number[], minio: [] as number[] };
  let masterBytes = 0;
  for (let i = -1; i < pairs; i++) {
    const folder = path.join(work, `local-${i}`);
    const local = await encode(['-o', folder]);
    masterBytes = statSync(path.join(folder, 'archive.mkv')).size;
    rmSync(folder, { recursive: true, force: true });
    const remote = await encode(['--to', `bench/archive/run-${i}/`]);
    // the first pair warms the page cache, MinIO and ffmpeg's libraries
    if (i < 0) continue;
    times.local.push(local.ms);
    times.minio.push(remote.ms);
    cpu.local.push(local.cpuS);
    cpu.minio.push(remote.cpuS);
    ratios.push(remote.ms / local.ms);
  }
  const ratio = median(ratios);
  console.log(
    `archive-ffv1 of ${seconds} s 1080p (${(statSync(source).size / 1e6).toFixed(0)} MB in, ${(masterBytes / 1e6).toFixed(0)} MB master out); ${pairs} interleaved pairs after a warm-up; ${os.cpus().length} CPUs; load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    `  to local disk ${(median(times.local) / 1000).toFixed(2)} s (CPU ${median(cpu.local).toFixed(1)} s), to MinIO ${(median(times.minio) / 1000).toFixed(2)} s (CPU ${median(cpu.minio).toFixed(1)} s)`,
  );
  console.log(`  ratio MinIO / local disk ${spread(ratios)}, target <= 1.02x: ${ratio <= 1.02 ? 'PASS' : 'FAIL'}`);
} finally {
  await minio.stop();
  rmSync(work, { recursive: true, force: true });
}
