// The strict broker, measured against the pool it replaces: the same N short jobs (bench/pool's one-second
// 320x240 sources in MinIO, mp4-h264) run by one worker holding the storage keys and the database URL, and
// by one keyless worker through `mpegflow broker`, in interleaved pairs, each pair on fresh databases.
// Prints, per pair and as the median of the pairs (with min and max), each mode's per-job overhead (the
// attempt but its encode, median over the jobs, from the jobs' log lines) and their ratio against the
// target (<= 1.10x); the grant round trip on loopback (p50, p99 of 1000 grants, target p99 <= 50 ms); and
// the broker's CPU per GiB the workers moved (the data goes from the store to the worker directly).
// Usage: node bench/broker.ts [jobs=300] [pairs=3]   (build first: npm run build)
// Starts its own MinIO and PostgreSQL on 127.0.0.1 and removes everything it made afterwards.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrokerClient } from '../src/core/broker/client.ts';
import type { ClaimAnswer, GrantsAnswer } from '../src/core/broker/protocol.ts';
import { vendorKeygen, vendorSign } from '../test/support/license.ts';
import { brokerCertificate } from '../test/support/broker-certificate.ts';
import { makeVideo } from '../test/support/media.ts';
import { freePort, startSingleDrive } from '../test/support/minio.ts';
import { PostgresCluster } from '../test/support/postgres.ts';
import { counts, jobSteps, percentile } from './support/pool-db.ts';
import { spread } from './support/timed.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const jobs = Number(process.argv[2] ?? 300);
const pairs = Number(process.argv[3] ?? 3);
const cli = path.join(root, 'bin', 'run.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-broker-'));
const [minio, cluster] = await Promise.all([startSingleDrive(), PostgresCluster.start()]);
const client = minio.client();
const keys = vendorKeygen(work, 'bench-issuer');
const license = vendorSign(keys.privateJwk, ['--entitlements', 'encode,health,concurrentEncodes=8']);
const tls = brokerCertificate(work);

function hostEnv(name: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = path.join(work, 'hosts', name);
  mkdirSync(home, { recursive: true });
  return { PATH: process.env.PATH, HOME: home, MPEGFLOW_HOME: home, MPEGFLOW_HOST_NAME: name, NO_COLOR: '1', ...extra };
}

const mpegflow = (env: NodeJS.ProcessEnv, args: string[], input?: string) =>
  execFileSync(process.execPath, [cli, ...args], { env, input, cwd: work, stdio: ['pipe', 'pipe', 'pipe'] }).toString();

function run(env: NodeJS.ProcessEnv, args: string[]): { child: ChildProcess; exited: Promise<number | null>; log: () => string } {
  const child = spawn(process.execPath, [cli, ...args], { env, cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  return { child, exited: new Promise((resolve) => child.on('close', resolve)), log: () => log };
}

/** A fresh pool database with the license, the endpoint (on `coordinator` alone) and the jobs queued (by default, bench/pool's). */
async function preparePool(
  name: string,
  coordinator: NodeJS.ProcessEnv,
  jobs = ['store/masters/', '--recursive', '--preset', 'mp4-h264'],
): Promise<string> {
  const url = await cluster.createDatabase(name);
  Object.assign(coordinator, { MPEGFLOW_DATABASE_URL: url });
  mpegflow(coordinator, ['license', 'install', '-', '--trusted-key', keys.publicJwks], license);
  mpegflow(
    coordinator,
    ['endpoint', 'add', 'store', '--replace', '--url', minio.url, '--access-key', minio.accessKey, '--secret-key-stdin'],
    minio.secretKey,
  );
  mpegflow(coordinator, ['job', 'submit', ...jobs, '--to', `store/out/${name}/`]);
  return url;
}

/** A worker host's broker token, issued on the coordinator. */
const tokenFor = (coordinator: NodeJS.ProcessEnv, host: string) =>
  (JSON.parse(mpegflow(coordinator, ['broker', 'token', 'add', host, '--json'])) as { token: string }).token;

/** The attempt's overhead (all but the encode), median over the jobs, in ms. */
async function overhead(url: string, name: string): Promise<number> {
  const c = await counts(url);
  if (c.done !== jobs || c.doneAttempts !== jobs) throw new Error(`${name}: ${c.done} done, ${c.doneAttempts} done attempts of ${jobs}`);
  const steps = new Map(await jobSteps(url));
  return steps.get('whole attempt')! - steps.get('encode')!;
}

async function hostHeld(pair: number): Promise<number> {
  const env = hostEnv(`held-${pair}`);
  const url = await preparePool(`held${pair}`, env);
  const worker = run(env, ['worker', '--drain', '--lease-seconds', '4', '--backoff-seconds', '0']);
  if ((await worker.exited) !== 0) throw new Error(`host-held worker: ${worker.log()}`);
  return overhead(url, 'host-held');
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString());

/** CPU seconds a process has used so far (user + system, from /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function startBroker(coordinator: NodeJS.ProcessEnv): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const broker = run(coordinator, [
    'broker',
    '--listen',
    `127.0.0.1:${port}`,
    '--tls-cert',
    tls.cert,
    '--tls-key',
    tls.key,
    '--rate',
    '100000',
  ]);
  for (let i = 0; !/broker listening on/.test(broker.log()); i++) {
    if (i > 600) throw new Error(`the broker did not start: ${broker.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `https://127.0.0.1:${port}`,
    pid: broker.child.pid!,
    stop: async () => {
      broker.child.kill('SIGTERM');
      await broker.exited;
    },
  };
}

async function brokered(pair: number): Promise<number> {
  const coordinator = hostEnv(`coord-${pair}`);
  const url = await preparePool(`brokered${pair}`, coordinator);
  const token = tokenFor(coordinator, `enc-${pair}`);
  const broker = await startBroker(coordinator);
  try {
    const worker = run(hostEnv(`enc-${pair}`, { MPEGFLOW_BROKER_TOKEN: token }), [
      'worker',
      '--drain',
      '--lease-seconds',
      '4',
      '--backoff-seconds',
      '0',
      '--broker',
      broker.url,
      '--broker-ca',
      tls.ca,
    ]);
    if ((await worker.exited) !== 0) throw new Error(`brokered worker: ${worker.log()}`);
  } finally {
    await broker.stop();
  }
  return overhead(url, 'brokered');
}

/** 1000 grants of one request, one after the other, as a worker asks them (a fresh URL each: no cache here). */
async function grantLatency(): Promise<void> {
  const coordinator = hostEnv('latency');
  await preparePool('latency', coordinator);
  const token = tokenFor(coordinator, 'enc-latency');
  const broker = await startBroker(coordinator);
  const api = new BrokerClient({ url: broker.url, ca: readFileSync(tls.ca), token });
  try {
    const worker = 'enc-latency:1:bench';
    await api.call('POST', '/v1/workers', { workerId: worker, pid: 1, version: 'bench', concurrency: 1, leaseMs: 600_000 });
    const { job } = await api.call<ClaimAnswer>('POST', '/v1/claim', { workerId: worker, leaseMs: 600_000 });
    const lease = { generation: job!.leaseGeneration, attempts: job!.attempts };
    const staging = `.mpegflow-staging/job-${job!.id}-g${job!.leaseGeneration}`;
    const times: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const started = performance.now();
      await api.call<GrantsAnswer>('POST', `/v1/jobs/${job!.id}/grants`, {
        ...lease,
        requests: [{ method: 'PUT', bucket: 'out', key: `${staging}/seg_${i}.ts` }],
      });
      times.push(performance.now() - started);
    }
    const p99 = percentile(times, 99);
    console.log(
      `grant round trip on loopback (1000 grants, one at a time): p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms; target p99 <= 50 ms: ${p99 <= 50 ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    api.close();
    await broker.stop();
  }
}

/** One large source through a keyless worker: the broker's CPU for the bytes that moved past it (none should). */
async function brokerCpuPerGiB(): Promise<void> {
  const coordinator = hostEnv('bytes');
  // lossless noise: a source of about half a GiB, packaged (copied) into HLS
  const big = makeVideo(path.join(work, 'big.mp4'), { width: 1920, height: 1080, seconds: 4, noise: true });
  await client.fPutObject('big', 'big.mp4', big);
  await preparePool('bytes', coordinator, ['store/big/big.mp4', '--preset', 'package-hls']);
  const token = tokenFor(coordinator, 'enc-bytes');
  const broker = await startBroker(coordinator);
  try {
    const before = cpuSeconds(broker.pid);
    const worker = run(hostEnv('enc-bytes', { MPEGFLOW_BROKER_TOKEN: token }), [
      'worker',
      '--drain',
      '--broker',
      broker.url,
      '--broker-ca',
      tls.ca,
    ]);
    if ((await worker.exited) !== 0) throw new Error(`brokered worker: ${worker.log()}`);
    const cpu = cpuSeconds(broker.pid) - before;
    const stored = await client.listObjectsV2('out', 'bytes/', true).toArray();
    const moved = statSync(big).size + stored.reduce((sum: number, o: { size?: number }) => sum + (o.size ?? 0), 0);
    console.log(
      `broker CPU for one package-hls job of a ${(statSync(big).size / 2 ** 20).toFixed(0)} MiB source: ${cpu.toFixed(2)} s for ${(moved / 2 ** 30).toFixed(3)} GiB read and written by the worker = ${(cpu / (moved / 2 ** 30)).toFixed(2)} CPU-s per GiB`,
    );
  } finally {
    await broker.stop();
  }
}

try {
  await Promise.all([client.makeBucket('masters'), client.makeBucket('out'), client.makeBucket('big')]);
  const clip = makeVideo(path.join(work, 'clip.mp4'), { width: 320, height: 240, seconds: 1 });
  for (let i = 0; i < jobs; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, jobs - i) }, (_, k) => client.fPutObject('masters', `clip${i + k}.mp4`, clip)));
  }
  console.log(`${jobs} one-second 320x240 sources in MinIO; ${os.cpus().length} CPU cores; preset mp4-h264; ${pairs} interleaved pairs`);
  const ratios: number[] = [];
  for (let pair = 1; pair <= pairs; pair++) {
    const held = await hostHeld(pair);
    const viaBroker = await brokered(pair);
    ratios.push(viaBroker / held);
    console.log(
      `pair ${pair}: per-job overhead host-held ${held.toFixed(0)} ms, brokered ${viaBroker.toFixed(0)} ms: ${(viaBroker / held).toFixed(3)}x`,
    );
  }
  const ratio = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
  console.log(`brokered : host-held per-job overhead ${spread(ratios)}x; target <= 1.10x: ${ratio <= 1.1 ? 'PASS' : 'FAIL'}`);
  await grantLatency();
  await brokerCpuPerGiB();
} finally {
  await Promise.all([minio.stop(), cluster.stop()]);
  rmSync(work, { recursive: true, force: true });
}
