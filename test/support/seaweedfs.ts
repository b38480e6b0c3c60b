import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as Minio from 'minio';
import { createS3Client } from '../../src/core/s3/client.ts';
import { repoRoot } from './cli.ts';
import { freePort } from './minio.ts';

/**
 * A real SeaweedFS (`weed server`: master, volume, filer and S3 gateway in one
 * process) on 127.0.0.1 with free ports and a temporary data folder: an S3
 * implementation that is not MinIO. Built by scripts/install-seaweedfs.sh into
 * .tools/bin; undefined when it is not there. One identity is configured, so
 * that signatures (and presigned URL expiry) are checked as in production
 * (with none the gateway lets anyone in). Many small volumes: each bucket is a
 * collection with volumes of its own, and the default few 30 GB volumes run
 * out after a handful of buckets (a PUT then fails with HTTP 500). Killed
 * when the test process exits.
 */

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface SeaweedServer {
  url: string;
  accessKey: string;
  secretKey: string;
  logTail(lines?: number): string;
  stop(): Promise<void>;
  client(): Minio.Client;
}

function client(server: Pick<SeaweedServer, 'url' | 'accessKey' | 'secretKey'>): Minio.Client {
  return createS3Client({
    name: 'weed',
    url: server.url,
    accessKey: server.accessKey,
    secretKey: server.secretKey,
    region: 'us-east-1',
    caCert: null,
  });
}

export function seaweedBinary(): string | undefined {
  const bin = path.join(repoRoot, '.tools', 'bin', 'weed');
  return existsSync(bin) ? bin : undefined;
}

/**
 * A SeaweedFS server on free ports. Its gRPC ports are its ports plus 10000, which nothing reserved: another
 * test's server may take one between the pick and the bind (weed then dies: "address already in use"), so a
 * start that loses that race is tried again on new ports.
 */
export async function startSeaweedFs(options: { startTimeoutMs?: number } = {}): Promise<SeaweedServer | undefined> {
  const bin = seaweedBinary();
  if (!bin) return undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchSeaweedFs(bin, options);
    } catch (error) {
      if (attempt >= 3 || !/address already in use/.test((error as Error).message)) throw error;
    }
  }
}

async function launchSeaweedFs(bin: string, options: { startTimeoutMs?: number }): Promise<SeaweedServer> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-seaweedfs-'));
  const [master, volume, filer, s3] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const logFile = path.join(base, 'weed.log');
  const accessKey = `weed${randomBytes(4).toString('hex')}`;
  const secretKey = `k${randomBytes(18).toString('base64url')}`; // never a leading '-', which a command line would read as a flag
  const config = path.join(base, 's3.json');
  writeFileSync(
    config,
    JSON.stringify({
      identities: [
        { name: 'mpegflow-test', credentials: [{ accessKey, secretKey }], actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'] },
      ],
    }),
  );
  const data = path.join(base, 'data');
  mkdirSync(data);
  const log = openSync(logFile, 'a');
  const child = spawn(
    bin,
    [
      'server',
      `-dir=${data}`,
      '-ip=127.0.0.1',
      '-ip.bind=127.0.0.1',
      `-master.port=${master}`,
      `-volume.port=${volume}`,
      '-filer',
      `-filer.port=${filer}`,
      `-filer.localSocket=${path.join(base, 'filer.sock')}`,
      '-s3',
      `-s3.port=${s3}`,
      `-s3.localSocket=${path.join(base, 's3.sock')}`,
      `-s3.config=${config}`,
      '-volume.max=1000',
      '-master.volumeSizeLimitMB=64',
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  running.add(child);
  child.on('exit', () => running.delete(child));
  const logTail = (lines = 40) => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(base, { recursive: true, force: true });
    // the gRPC sockets have no flag of their own: they go to the temp folder, named after each gRPC port (port + 10000)
    for (const [kind, port] of [
      ['master', master],
      ['volume', volume],
      ['filer', filer],
    ] as const) {
      rmSync(path.join(os.tmpdir(), `seaweedfs-${kind}-grpc-${port + 10000}.sock`), { force: true });
    }
  };
  const url = `http://127.0.0.1:${s3}`;
  const server: SeaweedServer = { url, accessKey, secretKey, logTail, stop, client: () => client(server) };
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  const s3Client = client(server);
  while (Date.now() < deadline && child.exitCode === null) {
    // S3 answers first; objects can be written once the master has a volume server: wait for a full round trip
    try {
      const probe = 'mpegflow-ready';
      await s3Client.makeBucket(probe).catch((error: { code?: string }) => {
        if (!String(error.code).startsWith('BucketAlready')) throw error;
      });
      await s3Client.putObject(probe, 'x', Buffer.from('x'), 1);
      await s3Client.removeObject(probe, 'x');
      await s3Client.removeBucket(probe);
      return server;
    } catch {
      await sleep(300);
    }
  }
  const tail = logTail();
  await stop();
  throw new Error(`SeaweedFS did not start\n--- weed log ---\n${tail}`);
}
