// Upload throughput of `mpegflow endpoint test --throughput` against `mc cp` of a payload of the
// same size, to the same local MinIO, in interleaved pairs: both MB/s (10^6 bytes per second), the median
// ratio of the pairs with min and max, CPU seconds, the load, and PASS or FAIL against #29's target
// (within 10 % of mc).
// Usage: node bench/throughput.ts [size MiB] [pairs] [concurrency]   (default 256 MiB, 5 pairs, 4)
// Build first (npm run build). mpegflow's figure is timed inside the command (multipart upload only);
// mc's is the wall time of `mc cp`, process start included (tens of milliseconds; both under /usr/bin/time, bench/support/throughput-pair.ts). Starts its own MinIO
// on 127.0.0.1 and removes everything it made afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSingleDrive } from '../test/support/minio.ts';
import { addBenchEndpoint } from './support/encode-pair.ts';
import { median, spread } from './support/timed.ts';
import { endpointThroughput, mcEnvFor, mcUpload, writePayload } from './support/throughput-pair.ts';
import { DEFAULT_PART_SIZE } from '../src/core/s3/objects.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sizeMiB = Number(process.argv[2] ?? 256);
const pairs = Number(process.argv[3] ?? 5);
const concurrency = Number(process.argv[4] ?? 4);
const size = sizeMiB * 1024 * 1024;
const work = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-throughput-'));
const minio = await startSingleDrive();

try {
  const cli = path.join(root, 'bin', 'run.js');
  const env = await addBenchEndpoint(work, cli, path.join(work, 'home'), minio);
  await minio.client().makeBucket('bench');
  const payload = path.join(work, 'payload.bin');
  writePayload(payload, size);
  const mcEnv = mcEnvFor(work, minio);
  const rows = { mpegflow: [] as number[], down: [] as number[], mc: [] as number[], ratios: [] as number[] };
  const cpu = { mpegflow: [] as number[], mc: [] as number[] };
  for (let i = -1; i < pairs; i++) {
    const ours = await endpointThroughput(work, cli, env, sizeMiB, concurrency);
    const theirs = await mcUpload(work, mcEnv, payload, size, `mc-${i}.bin`);
    if (i < 0) continue; // warm-up
    rows.mpegflow.push(ours.upload);
    rows.down.push(ours.download);
    rows.mc.push(theirs.mbPerSecond);
    rows.ratios.push(ours.upload / theirs.mbPerSecond);
    cpu.mpegflow.push(ours.cpuS);
    cpu.mc.push(theirs.cpuS);
  }
  const ratio = median(rows.ratios);
  console.log(
    `payload ${sizeMiB} MiB, ${pairs} interleaved pairs after a warm-up; Node ${process.version}, ${os.cpus().length} CPUs; load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    `mpegflow endpoint test --throughput (${concurrency} parts of ${DEFAULT_PART_SIZE / 1024 / 1024} MiB in flight): upload ${spread(rows.mpegflow, 1)} MB/s, download ${median(rows.down).toFixed(1)} MB/s, CPU ${median(cpu.mpegflow).toFixed(2)} s`,
  );
  console.log(`mc cp (defaults): upload ${spread(rows.mc, 1)} MB/s, CPU ${median(cpu.mc).toFixed(2)} s`);
  console.log(`upload mpegflow / mc cp: ${spread(rows.ratios)}x, target within 10 %: ${Math.abs(ratio - 1) <= 0.1 ? 'PASS' : 'FAIL'}`);
} finally {
  await minio.stop();
  rmSync(work, { recursive: true, force: true });
}
