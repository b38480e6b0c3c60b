import { randomFillSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { minioBinary } from '../../test/support/minio.ts';
import type { BenchStore } from './encode-pair.ts';
import { timed } from './timed.ts';

/**
 * `mpegflow endpoint test --throughput` against `mc cp` of a payload of the same size, as bench/throughput.ts
 * and bench/shaped-link.ts time them: mpegflow's figure is timed inside the command (multipart upload only),
 * mc's is the wall time of `mc cp`, process start included. Both run under /usr/bin/time for their CPU seconds.
 */

/** `size` random bytes in `file` (incompressible, as media is). */
export function writePayload(file: string, size: number): void {
  const buffer = Buffer.allocUnsafe(size);
  for (let offset = 0; offset < size; offset += 64 * 1024 * 1024) randomFillSync(buffer, offset, Math.min(64 * 1024 * 1024, size - offset));
  writeFileSync(file, buffer);
}

/** mc's environment with the store as alias `bench` (configuration in `work`/mc). */
export function mcEnvFor(work: string, store: BenchStore): Record<string, string> {
  const url = new URL(store.url);
  return {
    MC_HOST_bench: `${url.protocol}//${store.accessKey}:${store.secretKey}@${url.host}`,
    MC_CONFIG_DIR: path.join(work, 'mc'),
  };
}

/** One `endpoint test bench --throughput` into the bucket `bench`: MB/s (10^6 bytes a second) up and down. */
export async function endpointThroughput(
  work: string,
  cli: string,
  env: Record<string, string>,
  sizeMiB: number,
  concurrency: number,
): Promise<{ upload: number; download: number; cpuS: number }> {
  const run = await timed(
    work,
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
    { env },
  );
  const t = (JSON.parse(run.stdout) as { throughput: { upload: { mbPerSecond: number }; download: { mbPerSecond: number } } }).throughput;
  return { upload: t.upload.mbPerSecond, download: t.download.mbPerSecond, cpuS: run.cpuS };
}

/** One `mc cp` of `payload` (mc's defaults) to bench/`key`, removed afterwards: MB/s of the copy. */
export async function mcUpload(
  work: string,
  mcEnv: Record<string, string>,
  payload: string,
  size: number,
  key: string,
): Promise<{ mbPerSecond: number; cpuS: number }> {
  const cp = await timed(work, minioBinary('mc'), ['cp', '--quiet', payload, `bench/bench/${key}`], { env: mcEnv });
  await timed(work, minioBinary('mc'), ['rm', '--quiet', `bench/bench/${key}`], { env: mcEnv });
  return { mbPerSecond: size / 1e6 / (cp.ms / 1000), cpuS: cp.cpuS };
}
