// Upload throughput of `mpegflow endpoint test --throughput` against `mc cp` of a payload of the
// same size, to the same local MinIO, in one run: prints both MB/s (10^6 bytes per second) and the ratio.
// Usage: node bench/throughput.ts [size MiB] [runs] [concurrency]   (default 256 MiB, 3 interleaved runs, 4)
// Build first (npm run build). mpegflow's figure is timed inside the command (multipart upload only);
// mc's is the wall time of `mc cp`, process start included (tens of milliseconds). Starts its own MinIO
// on 127.0.0.1 and removes everything it made afterwards.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { minioBinary, startSingleDrive } from '../test/support/minio.ts';
import { median } from './support/timed.ts';
import { DEFAULT_PART_SIZE } from '../src/core/s3/objects.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sizeMiB = Number(process.argv[2] ?? 256);
const runs = Number(process.argv[3] ?? 3);
const concurrency = Number(process.argv[4] ?? 4);
const size = sizeMiB * 1024 * 1024;
const work = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-throughput-'));
const minio = await startSingleDrive();

try {
  const home = path.join(work, 'home');
  const env = { ...process.env, MPEGFLOW_HOME: home, BENCH_SECRET: minio.secretKey };
  const cli = path.join(root, 'bin', 'run.js');
  execFileSync(
    process.execPath,
    [cli, 'endpoint', 'add', 'bench', '--url', minio.url, '--access-key', minio.accessKey, '--secret-key-env', 'BENCH_SECRET'],
    {
      env,
      stdio: 'ignore',
    },
  );
  await minio.client().makeBucket('bench');
  const payload = path.join(work, 'payload.bin');
  const buffer = Buffer.allocUnsafe(size);
  for (let offset = 0; offset < size; offset += 64 * 1024 * 1024) randomFillSync(buffer, offset, Math.min(64 * 1024 * 1024, size - offset));
  writeFileSync(payload, buffer);
  const url = new URL(minio.url);
  const mcEnv = {
    ...process.env,
    MC_HOST_bench: `${url.protocol}//${minio.accessKey}:${minio.secretKey}@${url.host}`,
    MC_CONFIG_DIR: path.join(work, 'mc'),
  };
  const mpegflow: number[] = [];
  const mpegflowDown: number[] = [];
  const mc: number[] = [];
  for (let i = -1; i < runs; i++) {
    const res = spawnSync(
      process.execPath,
      [
        cli,
        'endpoint',
        'test',
        'bench',
        '--throughput',
        '--size',
        `${sizeMiB}MiB`,
        '--concurrency',
        String(concurrency),
        '--bucket',
        'bench',
        '--json',
      ],
      { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    if (res.status !== 0) throw new Error(`mpegflow exited ${res.status}: ${res.stdout}${res.stderr}`);
    const t = (JSON.parse(res.stdout) as { throughput: { upload: { mbPerSecond: number }; download: { mbPerSecond: number } } }).throughput;
    const started = performance.now();
    execFileSync(minioBinary('mc'), ['cp', '--quiet', payload, `bench/bench/mc-${i}.bin`], { env: mcEnv, stdio: 'ignore' });
    const seconds = (performance.now() - started) / 1000;
    execFileSync(minioBinary('mc'), ['rm', '--quiet', `bench/bench/mc-${i}.bin`], { env: mcEnv, stdio: 'ignore' });
    if (i < 0) continue; // warm-up
    mpegflow.push(t.upload.mbPerSecond);
    mpegflowDown.push(t.download.mbPerSecond);
    mc.push(size / 1e6 / seconds);
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
