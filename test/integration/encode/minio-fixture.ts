import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as Minio from 'minio';

/**
 * A single-drive MinIO for the encode tests: a real `minio server` on
 * 127.0.0.1 with a free port and a temporary drive, stopped afterwards.
 */
export interface EncodeMinio {
  url: string;
  port: number;
  accessKey: string;
  secretKey: string;
  client: Minio.Client;
  stop: () => Promise<void>;
  restart: () => Promise<void>;
  kill: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/minio/health/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`MinIO at ${url} did not become ready in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export async function startMinio(): Promise<EncodeMinio> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-encode-minio-'));
  const drive = path.join(base, 'd1');
  mkdirSync(drive);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const accessKey = 'encodetest';
  const secretKey = 'encodetest-secret-key';
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn('minio', ['server', '--quiet', '--address', `127.0.0.1:${port}`, '--console-address', '127.0.0.1:0', drive], {
      env: { ...process.env, MINIO_CI_CD: '1', MINIO_ROOT_USER: accessKey, MINIO_ROOT_PASSWORD: secretKey, MINIO_BROWSER: 'off' },
      stdio: 'ignore',
    });
    await waitReady(url);
  };
  const halt = async (signal: NodeJS.Signals) => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill(signal);
    });
  };
  await launch();
  const client = new Minio.Client({
    endPoint: '127.0.0.1',
    port,
    useSSL: false,
    accessKey,
    secretKey,
    pathStyle: true,
    region: 'us-east-1',
  });
  return {
    url,
    port,
    accessKey,
    secretKey,
    client,
    stop: async () => {
      await halt('SIGTERM');
      rmSync(base, { recursive: true, force: true });
    },
    kill: () => halt('SIGKILL'),
    restart: launch,
  };
}
