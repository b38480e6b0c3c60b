// What reading a source through MpegFlow's loopback relay costs: ffmpeg stream-copies a large object out of
// MinIO (-c copy -f null, so reading is all it does) through the relay, and through a presigned URL on its
// command line (what a script would hand it), in interleaved pairs; for each source size the median ratio of
// the pairs (min and max), throughput, and the relay's CPU, ending PASS or FAIL against #29's target (>= 0.9x
// the presigned read's speed, that is a time ratio <= 1/0.9).
// Usage: node bench/source-read.ts [pairs=7] [seconds=20,60]
// Starts its own MinIO on 127.0.0.1 and removes everything it made afterwards.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signerOf } from '../src/core/s3/client.ts';
import { openSourceRelay } from '../src/core/encode/source/source-relay.ts';
import { startSingleDrive } from '../test/support/minio.ts';
import { median, spread } from './support/timed.ts';

const pairs = Number(process.argv[2] ?? 7);
const durations = (process.argv[3] ?? '20,60').split(',').map(Number);
const work = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-source-read-'));
const minio = await startSingleDrive();
const TARGET = 1 / 0.9;

/** ffmpeg reading the whole input and writing nothing, as a child (the relay serves from this process meanwhile): wall seconds. */
async function read(url: string): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', url, '-map', '0', '-c', 'copy', '-f', 'null', '-'];
    const child = spawn('ffmpeg', args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code} reading ${url.slice(0, 40)}`))));
  });
  return (performance.now() - started) / 1000;
}

try {
  const client = minio.endpointClient();
  await client.makeBucket('media');
  console.log(`${pairs} interleaved pairs a size after a warm-up; ${os.cpus().length} CPUs; load average ${os.loadavg()[0]!.toFixed(2)}`);
  for (const seconds of durations) {
    const source = path.join(work, `source-${seconds}.mp4`);
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=25:duration=${seconds}`],
      ...['-c:v', 'libx264', '-qp', '0', '-preset', 'ultrafast', source],
    ]);
    const key = path.basename(source);
    await client.fPutObject('media', key, source);
    const mib = statSync(source).size / 1024 / 1024;
    const { etag } = await client.statObject('media', key);
    const relay = await openSourceRelay({ signer: signerOf(client), bucket: 'media', key, etag });
    const presigned = await client.presignedGetObject('media', key, 3600);
    const times = { relay: [] as number[], presigned: [] as number[] };
    let relayCpu = 0;
    await read(presigned); // warm the page cache and MinIO
    await read(relay.url);
    for (let i = 0; i < pairs; i++) {
      times.presigned.push(await read(presigned));
      const cpuBefore = process.cpuUsage();
      times.relay.push(await read(relay.url));
      const cpu = process.cpuUsage(cpuBefore);
      relayCpu += (cpu.user + cpu.system) / 1e6;
    }
    await relay.close();
    const ratios = times.relay.map((t, i) => t / times.presigned[i]!);
    const ratio = median(ratios);
    console.log(
      `${seconds} s 1080p lossless source, ${mib.toFixed(0)} MiB: presigned ${(mib / median(times.presigned)).toFixed(0)} MiB/s, relay ${(mib / median(times.relay)).toFixed(0)} MiB/s; relay CPU ${((relayCpu / pairs / mib) * 1024).toFixed(2)} s per GiB`,
    );
    console.log(
      `  time relay / presigned ${spread(ratios)}, speed ${(1 / ratio).toFixed(2)}x, target >= 0.9x: ${ratio <= TARGET ? 'PASS' : 'FAIL'}`,
    );
  }
} finally {
  await minio.stop();
  rmSync(work, { recursive: true, force: true });
}
