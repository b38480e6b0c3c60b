// What reading a source through MpegFlow's loopback relay costs: ffmpeg stream-copies a large object out of
// MinIO (-c copy -f null, so reading is all it does) through the relay, and through a presigned URL on its
// command line (what a script would hand it), interleaved; wall time, throughput and the CPU of the relay.
// Usage: node bench/source-read.ts [runs=5] [seconds=20]
// Starts its own MinIO on 127.0.0.1 and removes everything it made afterwards.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signerOf } from '../src/core/s3/client.ts';
import { openSourceRelay } from '../src/core/encode/source/source-relay.ts';
import { startSingleDrive } from '../test/support/minio.ts';

const runs = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 20);
const work = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-source-read-'));
const minio = await startSingleDrive();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

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
  const source = path.join(work, 'source.mp4');
  console.log(`generating a ${seconds} s 1080p25 lossless H.264 source ...`);
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=25:duration=${seconds}`],
    ...['-c:v', 'libx264', '-qp', '0', '-preset', 'ultrafast', source],
  ]);
  const size = statSync(source).size;
  const client = minio.endpointClient();
  await client.makeBucket('media');
  await client.fPutObject('media', 'source.mp4', source);
  const { etag } = await client.statObject('media', 'source.mp4');
  const relay = await openSourceRelay({ signer: signerOf(client), bucket: 'media', key: 'source.mp4', etag });
  const presigned = await client.presignedGetObject('media', 'source.mp4', 3600);
  const times = { relay: [] as number[], presigned: [] as number[] };
  let relayCpu = 0;
  await read(presigned); // warm the page cache and MinIO
  for (let i = 0; i < runs; i++) {
    times.presigned.push(await read(presigned));
    const cpuBefore = process.cpuUsage();
    times.relay.push(await read(relay.url));
    const cpu = process.cpuUsage(cpuBefore);
    relayCpu += (cpu.user + cpu.system) / 1e6;
  }
  await relay.close();
  const mb = size / 1024 / 1024;
  const [viaRelay, viaUrl] = [median(times.relay), median(times.presigned)];
  console.log(`source: ${mb.toFixed(0)} MiB; ${runs} interleaved runs each; 2 CPUs`);
  console.log(`ffmpeg -i presigned URL   median ${viaUrl.toFixed(2)} s   ${(mb / viaUrl).toFixed(0)} MiB/s`);
  console.log(`ffmpeg -i relay URL       median ${viaRelay.toFixed(2)} s   ${(mb / viaRelay).toFixed(0)} MiB/s`);
  console.log(`ratio relay / presigned   ${(viaRelay / viaUrl).toFixed(3)}x`);
  console.log(
    `relay CPU                 ${(relayCpu / runs).toFixed(2)} s a read (${((relayCpu / runs / mb) * 1024).toFixed(2)} s per GiB)`,
  );
} finally {
  await minio.stop();
  rmSync(work, { recursive: true, force: true });
}
