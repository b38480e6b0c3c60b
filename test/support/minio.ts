import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as Minio from 'minio';
import { createS3Client } from '../../src/core/s3/client.ts';
import { repoRoot, runCli } from './cli.ts';

/**
 * Real `minio server` processes for integration tests, on 127.0.0.1 with
 * free ports and temporary drive folders: one drive, one node with an erasure
 * set, or a distributed deployment of several nodes. Every process is
 * stopped by `stop()`, and killed when the test process exits whatever happens.
 */

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function minioBinary(name: 'minio' | 'mc' = 'minio'): string {
  const local = path.join(repoRoot, '.tools', 'bin', name);
  return existsSync(local) ? local : name;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface MinioNode {
  index: number;
  port: number;
  url: string;
  drives: string[];
  logFile: string;
  process?: ChildProcess;
}

export interface Deployment {
  shape: 'single' | 'erasure-set' | 'distributed';
  /** URL of the first node, which tests use as "the endpoint". */
  url: string;
  accessKey: string;
  secretKey: string;
  nodes: MinioNode[];
  drives: string[];
  base: string;
  client(): Minio.Client;
  /** A client as MpegFlow makes one for an endpoint (createS3Client), reaching this deployment at `url` (a proxy before it) and trusting `caCert`. */
  endpointClient(url?: string, caCert?: Buffer | null): Minio.Client;
  waitReady(node?: number): Promise<void>;
  /** Waits until /minio/health/cluster answers `expectWritable` (200) or not (503). */
  waitWriteQuorum(expectWritable: boolean, timeoutMs?: number): Promise<void>;
  stopNode(index: number): Promise<void>;
  killNode(index: number): Promise<void>;
  restartNode(index: number): Promise<void>;
  /** Takes a drive away by moving its folder aside; `restoreDrive` moves it back. */
  removeDrive(drive: string): void;
  restoreDrive(drive: string): void;
  /** Replaces the drive folder with a plain file, so MinIO cannot use it (root ignores permissions). */
  makeDriveUnreadable(drive: string): void;
  logTail(node?: number, lines?: number): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  parity?: number;
  rrsParity?: number;
  /** Folder holding public.crt and private.key: the node serves HTTPS. */
  certDir?: string;
  startTimeoutMs?: number;
  /** Address the nodes listen on and are reached at (default 127.0.0.1). */
  host?: string;
  /** Network namespace the nodes run in (`ip netns exec NETNS minio ...`, as root); `host` is then an address of that namespace. */
  netns?: string;
}

function credentials(): { accessKey: string; secretKey: string } {
  // base64url may begin with '-', which mc (alias set) then reads as a flag: one deployment in 64 failed to set up
  return { accessKey: `test${randomBytes(4).toString('hex')}`, secretKey: `k${randomBytes(18).toString('base64url')}` };
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, tail: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(200);
  }
  throw new Error(`MinIO: timed out after ${timeoutMs} ms waiting for ${what}\n--- server log ---\n${tail()}`);
}

async function httpStatus(url: string, tls: boolean): Promise<number> {
  if (tls) {
    return new Promise((resolve) => {
      const req = https.get(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      req.on('timeout', () => req.destroy());
    });
  }
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.status;
  } catch {
    return 0;
  }
}

async function launchDeployment(
  shape: Deployment['shape'],
  layout: { nodes: number; drivesPerNode: number },
  options: StartOptions,
): Promise<Deployment> {
  const base = mkdtempSync(path.join(os.tmpdir(), `mpegflow-minio-${shape}-`));
  const { accessKey, secretKey } = credentials();
  const tls = Boolean(options.certDir);
  const scheme = tls ? 'https' : 'http';
  const host = options.host ?? '127.0.0.1';
  const nodes: MinioNode[] = [];
  for (let i = 0; i < layout.nodes; i++) {
    const port = await freePort();
    const drives = Array.from({ length: layout.drivesPerNode }, (_, d) => path.join(base, `n${i + 1}`, `d${d + 1}`));
    for (const drive of drives) mkdirSync(drive, { recursive: true });
    nodes.push({ index: i, port, url: `${scheme}://${host}:${port}`, drives, logFile: path.join(base, `n${i + 1}.log`) });
  }
  const distributed = shape === 'distributed';
  const endpoints = distributed ? nodes.flatMap((n) => n.drives.map((d) => `${scheme}://${host}:${n.port}${d}`)) : nodes[0]!.drives;
  const env = {
    ...process.env,
    MINIO_CI_CD: '1',
    MINIO_ROOT_USER: accessKey,
    MINIO_ROOT_PASSWORD: secretKey,
    MINIO_BROWSER: 'off',
    MINIO_UPDATE: 'off',
    MINIO_CALLHOME_ENABLE: 'off',
    ...(options.parity !== undefined ? { MINIO_STORAGE_CLASS_STANDARD: `EC:${options.parity}` } : {}),
    ...(options.rrsParity !== undefined ? { MINIO_STORAGE_CLASS_RRS: `EC:${options.rrsParity}` } : {}),
  };
  const timeoutMs = options.startTimeoutMs ?? 90_000;

  const logTail = (index = 0, lines = 40) => {
    try {
      return readFileSync(nodes[index]!.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };

  let spawnError: Error | undefined;
  const startNode = async (node: MinioNode) => {
    const consolePort = await freePort();
    const args = [
      'server',
      '--address',
      `${host}:${node.port}`,
      '--console-address',
      `127.0.0.1:${consolePort}`,
      ...(tls ? ['--certs-dir', options.certDir!] : []),
      ...endpoints,
    ];
    const log = openSync(node.logFile, 'a');
    // ip netns exec execs MinIO in place: the child is MinIO itself, and signals reach it
    const [file, argv] = options.netns ? ['ip', ['netns', 'exec', options.netns, minioBinary(), ...args]] : [minioBinary(), args];
    const child = spawn(file, argv, {
      env: { ...env, ...(distributed ? { _MINIO_SERVER_LOCAL: `${host}:${node.port}` } : {}) },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    // a missing binary (spawn ENOENT) fails the wait at once instead of after the start timeout
    child.on('error', (error) => (spawnError ??= error));
    running.add(child);
    child.on('exit', () => running.delete(child));
    node.process = child;
  };

  const waitReady = async (index?: number) => {
    const targets = index === undefined ? nodes : [nodes[index]!];
    for (const node of targets) {
      await waitFor(
        `${node.url} to be ready`,
        async () => {
          if (spawnError)
            throw new Error(`MinIO: cannot start ${minioBinary()} (${spawnError.message}): run bash scripts/install-minio.sh`);
          return (await httpStatus(`${node.url}/minio/health/ready`, tls)) === 200;
        },
        timeoutMs,
        () => logTail(node.index),
      );
    }
  };

  const halt = async (index: number, signal: NodeJS.Signals) => {
    const child = nodes[index]!.process;
    nodes[index]!.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const deployment: Deployment = {
    shape,
    url: nodes[0]!.url,
    accessKey,
    secretKey,
    nodes,
    drives: nodes.flatMap((n) => n.drives),
    base,
    // over TLS, a client for the harness's own calls that trusts any certificate; endpointClient() is the product's
    client: () =>
      tls
        ? new Minio.Client({
            endPoint: host,
            port: nodes[0]!.port,
            useSSL: tls,
            accessKey,
            secretKey,
            pathStyle: true,
            region: 'us-east-1',
            transportAgent: new https.Agent({ rejectUnauthorized: false }),
          })
        : createS3Client({ name: 'test', url: nodes[0]!.url, accessKey, secretKey, region: 'us-east-1', caCert: null }),
    endpointClient: (url = nodes[0]!.url, caCert = null) =>
      createS3Client({ name: 'test', url, accessKey, secretKey, region: 'us-east-1', caCert }),
    waitReady,
    waitWriteQuorum: async (expectWritable, ms = timeoutMs) => {
      const live = nodes.find((n) => n.process) ?? nodes[0]!;
      await waitFor(
        `write quorum ${expectWritable ? 'available' : 'lost'}`,
        async () => {
          const status = await httpStatus(`${live.url}/minio/health/cluster`, tls);
          return expectWritable ? status === 200 : status === 503;
        },
        ms,
        () => logTail(live.index),
      );
    },
    stopNode: (index) => halt(index, 'SIGTERM'),
    killNode: (index) => halt(index, 'SIGKILL'),
    restartNode: async (index) => {
      await startNode(nodes[index]!);
      await waitReady(index);
    },
    removeDrive: (drive) => renameSync(drive, `${drive}.removed`),
    restoreDrive: (drive) => {
      if (existsSync(`${drive}.removed`)) {
        rmSync(drive, { recursive: true, force: true });
        renameSync(`${drive}.removed`, drive);
      }
    },
    makeDriveUnreadable: (drive) => {
      renameSync(drive, `${drive}.removed`);
      closeSync(openSync(drive, 'w'));
    },
    logTail,
    stop: async () => {
      await Promise.all(nodes.map((n) => halt(n.index, 'SIGTERM')));
      rmSync(base, { recursive: true, force: true });
    },
  };

  try {
    await Promise.all(nodes.map(startNode));
    await waitReady();
    await deployment.waitWriteQuorum(true);
  } catch (error) {
    await deployment.stop();
    throw error;
  }
  return deployment;
}

export function startSingleDrive(options: StartOptions = {}): Promise<Deployment> {
  return launchDeployment('single', { nodes: 1, drivesPerNode: 1 }, options);
}

export function startErasureSet(options: StartOptions & { drives?: number } = {}): Promise<Deployment> {
  return launchDeployment('erasure-set', { nodes: 1, drivesPerNode: options.drives ?? 4 }, options);
}

export function startDistributed(options: StartOptions & { nodes?: number; drivesPerNode?: number } = {}): Promise<Deployment> {
  return launchDeployment('distributed', { nodes: options.nodes ?? 4, drivesPerNode: options.drivesPerNode ?? 2 }, options);
}

/** A private CA and a server certificate for 127.0.0.1 and localhost, made with openssl; `certDir` is MinIO's --certs-dir. */
export function makeTestCA(dir: string): { caCert: string; certDir: string } {
  const certDir = path.join(dir, 'certs');
  mkdirSync(certDir, { recursive: true });
  const caKey = path.join(dir, 'ca.key');
  const caCert = path.join(dir, 'ca.pem');
  const csr = path.join(dir, 'server.csr');
  const ext = path.join(dir, 'server.ext');
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    caCert,
    '-subj',
    '/CN=MpegFlow Test CA',
    '-days',
    '2',
  ]);
  openssl([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    path.join(certDir, 'private.key'),
    '-out',
    csr,
    '-subj',
    '/CN=127.0.0.1',
  ]);
  execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth\\n' > '${ext}'`]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caCert,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    path.join(certDir, 'public.crt'),
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return { caCert, certDir };
}

/** An mc with its own config folder and an alias for the deployment. */
export function mcFor(deployment: Deployment, alias = 't'): (args: string[]) => string {
  const configDir = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-mc-'));
  const mc = (args: string[]) =>
    execFileSync(minioBinary('mc'), ['--config-dir', configDir, '--insecure', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  mc(['alias', 'set', alias, deployment.url, deployment.accessKey, deployment.secretKey]);
  return mc;
}

/** Multipart uploads started and never completed or aborted, in a bucket. */
export async function incompleteUploads(client: Minio.Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const upload of client.listIncompleteUploads(bucket, '', true) as AsyncIterable<{ key: string }>) keys.push(upload.key);
  return keys;
}

/** Adds each deployment as an endpoint of the CLI's state in `home` (secret key on standard input). */
export async function addEndpoints(home: string, deployments: Record<string, Deployment>): Promise<void> {
  for (const [name, d] of Object.entries(deployments)) {
    const add = await runCli(['endpoint', 'add', name, '--url', d.url, '--access-key', d.accessKey, '--secret-key-stdin'], {
      home,
      input: d.secretKey,
    });
    if (add.code !== 0) throw new Error(`endpoint add ${name} failed: ${add.stderr}`);
  }
}
