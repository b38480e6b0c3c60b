// The uploader against `mc cp`: the same file to the same local MinIO, the same part size (16 MiB, mc's) and
// parts in flight (4, mc's), each a whole process (node's start included, as mc's), in interleaved pairs.
// Prints the median MB/s of each (10^6 bytes a second), min and max, CPU seconds, the uploader's peak RSS,
// the ratio (median of the pairs' ratios) and PASS when MpegFlow is at least as fast as mc (>= 1.0x).
// Usage: node bench/upload.ts [size MiB] [pairs]   (default 1024 MiB, 5 pairs after one warm-up pair)
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { minioBinary, startSingleDrive } from '../test/support/minio.ts';
import { median, spread, timed } from './support/timed.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sizeMiB = Number(process.argv[2] ?? 1024);
const pairs = Number(process.argv[3] ?? 5);
const PART_MIB = 16;
const CONCURRENCY = 4;
const work = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-upload-'));
const minio = await startSingleDrive();

try {
  await minio.client().makeBucket('bench');
  const payload = path.join(work, 'payload.bin');
  const fd = openSync(payload, 'w');
  const chunk = Buffer.allocUnsafe(64 * 1024 * 1024);
  for (let written = 0; written < sizeMiB * 1024 * 1024; written += chunk.length)
    writeSync(fd, randomFillSync(chunk), 0, Math.min(chunk.length, sizeMiB * 1024 * 1024 - written));
  closeSync(fd);
  const bytes = sizeMiB * 1024 * 1024;
  const url = new URL(minio.url);
  const mcEnv = {
    MC_HOST_bench: `${url.protocol}//${minio.accessKey}:${minio.secretKey}@${url.host}`,
    MC_CONFIG_DIR: path.join(work, 'mc'),
  };
  const ourEnv = { BENCH_ACCESS: minio.accessKey, BENCH_SECRET: minio.secretKey };
  const rows = { mpegflow: [] as { mbs: number; cpuS: number; rssMb: number }[], mc: [] as { mbs: number; cpuS: number }[] };
  const ratios: number[] = [];
  for (let i = -1; i < pairs; i++) {
    const ours = await timed(
      work,
      process.execPath,
      [path.join(root, 'bench/support/upload-one.ts'), minio.url, 'bench', `ours-${i}.bin`, payload, String(PART_MIB), String(CONCURRENCY)],
      { env: ourEnv },
    );
    const theirs = await timed(work, minioBinary('mc'), ['cp', '--quiet', payload, `bench/bench/mc-${i}.bin`], { env: mcEnv });
    execFileSync(minioBinary('mc'), ['rm', '--quiet', `bench/bench/ours-${i}.bin`, `bench/bench/mc-${i}.bin`], {
      env: { ...process.env, ...mcEnv },
      stdio: 'ignore',
    });
    if (i < 0) continue; // warm-up: the page cache and MinIO
    const mbs = (ms: number) => bytes / 1e6 / (ms / 1000);
    rows.mpegflow.push({ mbs: mbs(ours.ms), cpuS: ours.cpuS, rssMb: ours.peakRssKb / 1024 });
    rows.mc.push({ mbs: mbs(theirs.ms), cpuS: theirs.cpuS });
    ratios.push(mbs(ours.ms) / mbs(theirs.ms));
  }
  console.log(
    `upload of ${sizeMiB} MiB to a local MinIO, ${PART_MIB} MiB parts, ${CONCURRENCY} in flight; ${pairs} interleaved pairs after a warm-up; ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    `mpegflow uploader: ${spread(
      rows.mpegflow.map((r) => r.mbs),
      1,
    )} MB/s, CPU ${spread(
      rows.mpegflow.map((r) => r.cpuS),
      2,
    )} s, peak RSS ${spread(
      rows.mpegflow.map((r) => r.rssMb),
      0,
    )} MB`,
  );
  console.log(
    `mc cp:             ${spread(
      rows.mc.map((r) => r.mbs),
      1,
    )} MB/s, CPU ${spread(
      rows.mc.map((r) => r.cpuS),
      2,
    )} s`,
  );
  const ratio = median(ratios);
  console.log(`upload mpegflow / mc cp: ${spread(ratios, 2)}x, target >= 1.0x: ${ratio >= 1 ? 'PASS' : 'FAIL'}`);
} finally {
  await minio.stop();
  rmSync(work, { recursive: true, force: true });
}
