// Upload throughput of `mpegflow endpoint test --throughput` against `mc cp` of a payload of the
// same size, to the same local MinIO, in one run: prints both MB/s (10^6 bytes per second) and the ratio.
// Usage: node bench/throughput.ts [size MiB] [runs] [concurrency]   (default 256 MiB, 3 interleaved runs, 4)
// Build first (npm run build). mpegflow's figure is timed inside the command (multipart upload only);
// mc's is the wall time of `mc cp`, process start included (tens of milliseconds; both under /usr/bin/time, bench/support/throughput-pair.ts). Starts its own MinIO
// on 127.0.0.1 and removes everything it made afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSingleDrive } from '../test/support/minio.ts';
import { addBenchEndpoint } from './support/encode-pair.ts';
import { median } from './support/timed.ts';
import { endpointThroughput, mcEnvFor, mcUpload, writePayload } from './support/throughput-pair.ts';
import { DEFAULT_PART_SIZE } from '../src/core/s3/objects.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sizeMiB = Number(process.argv[2] ?? 256);
const runs = Number(process.argv[3] ?? 3);
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
  const mpegflow: number[] = [];
  const mpegflowDown: number[] = [];
  const mc: number[] = [];
  for (let i = -1; i < runs; i++) {
    const t = await endpointThroughput(work, cli, env, sizeMiB, concurrency);
    const copy = await mcUpload(work, mcEnv, payload, size, `mc-${i}.bin`);
    if (i < 0) continue; // warm-up
    mpegflow.push(t.upload);
    mpegflowDown.push(t.download);
    mc.push(copy.mbPerSecond);
  }
  const ours = median(mpegflow);
  const theirs = median(mc);
  console.log(`payload ${sizeMiB} MiB, ${runs} runs each after a warm-up, median; Node ${process.version}, ${os.cpus().length} cores`);
  console.log(
    `mpegflow endpoint test --throughput (${concurrency} parts of ${DEFAULT_PART_SIZE / 1024 / 1024} MiB in flight): upload ${ours.toFixed(1)} MB/s, download ${median(mpegflowDown).toFixed(1)} MB/s`,
  );
  console.log(`mc cp (defaults):                                               upload ${theirs.toFixed(1)} MB/s`);
  console.log(`ratio mpegflow / mc (upload): ${(ours / theirs).toFixed(2)}`);
} finally {
  await minio.stop();
  rmSync(work, { recursive: true, force: true });
}
