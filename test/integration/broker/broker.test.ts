import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliEntry, parseJson, runCli, spawnCli, tempHome, type BackgroundCli } from '../../support/cli.ts';
import { makeVideo } from '../../support/media.ts';
import { freePort, startSingleDrive, type Deployment } from '../../support/minio.ts';
import { PG_PASSWORD, PostgresCluster } from '../../support/postgres.ts';
import { until } from '../../support/wait.ts';
import type { Job } from '../../../src/core/jobs/model.ts';
import type { WorkerInfo } from '../../../src/core/jobs/workers.ts';

/** Every file under `dir` (a state folder, a home), read whole. */
function filesUnder(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => statSync(f).isFile())
    .map((file) => ({ file, text: readFileSync(file, 'latin1') }));
}

/**
 * A pool where only the broker holds secrets: PostgreSQL (its password in the broker's URL alone), a MinIO
 * whose keys only the broker's endpoint has, and worker hosts with a broker token and nothing else.
 */
describe('strict broker: workers with no storage key and no database password (PostgreSQL, MinIO, ffmpeg)', () => {
  const scratch = tempHome('mpegflow-broker-');
  const brokerHome = tempHome('mpegflow-broker-home-');
  const hosts = ['enc1', 'enc2'].map((name) => ({ name, ...tempHome(`mpegflow-broker-${name}-`) }));
  let cluster: PostgresCluster;
  let minio: Deployment;
  let databaseUrl: string;
  let brokerUrl: string;
  let broker: BackgroundCli;
  const tokens = new Map<string, string>();
  const ca = path.join(scratch.home, 'broker.crt');
  const onBroker = (args: string[], input?: string) =>
    runCli(args, {
      home: brokerHome.home,
      env: { MPEGFLOW_DATABASE_URL: databaseUrl, MPEGFLOW_HOST_NAME: 'coord' },
      input,
      timeoutMs: 120_000,
    });
  const jobs = async () => parseJson<{ jobs: Job[] }>(await onBroker(['job', 'list', '--json'])).jobs;

  /** A worker as a keyless host runs it: a clean environment with its home, its host name and its token, nothing else. */
  const startWorker = (host: { name: string; home: string }, args: string[], token: { env?: string; file?: string } = {}) => {
    const child = spawn(
      process.execPath,
      [cliEntry, 'worker', '--broker', brokerUrl, ...args, ...(token.file ? ['--broker-token-file', token.file] : [])],
      {
        cwd: host.home,
        env: {
          PATH: process.env.PATH,
          HOME: host.home,
          MPEGFLOW_HOME: path.join(host.home, 'state'),
          MPEGFLOW_HOST_NAME: host.name,
          NO_COLOR: '1',
          ...(token.env ? { MPEGFLOW_BROKER_TOKEN: token.env } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    return { child, log: () => log, exited };
  };

  before(async () => {
    [cluster, minio] = await Promise.all([PostgresCluster.start(), startSingleDrive()]);
    databaseUrl = await cluster.createDatabase('broker');
    const client = minio.client();
    await Promise.all([client.makeBucket('masters'), client.makeBucket('out'), client.makeBucket('secret')]);
    await client.setBucketVersioning('masters', { Status: 'Enabled' });
    await client.putObject('secret', 'payroll.txt', Buffer.from('not for encoders'));
    for (let i = 0; i < 4; i++) {
      await client.fPutObject(
        'masters',
        `clip${i}.mp4`,
        makeVideo(path.join(scratch.home, `clip${i}.mp4`), { width: 320, height: 240, seconds: 2 }),
      );
    }
    const add = await onBroker(
      ['endpoint', 'add', 'store', '--url', minio.url, '--access-key', minio.accessKey, '--secret-key-stdin'],
      minio.secretKey,
    );
    assert.equal(add.code, 0, add.stderr);
    for (let i = 0; i < 4; i++) {
      const submitted = await onBroker(['job', 'submit', `store/masters/clip${i}.mp4`, '--preset', 'proxy', '--to', `store/out/clip${i}/`]);
      assert.equal(submitted.code, 0, submitted.stderr);
    }
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ed25519',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=broker',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(scratch.home, 'broker.key'),
        '-out',
        ca,
      ],
      { stdio: 'ignore' },
    );
    for (const host of hosts) {
      const added = parseJson<{ token: string }>(await onBroker(['broker', 'token', 'add', host.name, '--json']));
      tokens.set(host.name, added.token);
    }
    const port = await freePort();
    broker = spawnCli(
      [
        'broker',
        '--listen',
        `127.0.0.1:${port}`,
        '--tls-cert',
        ca,
        '--tls-key',
        path.join(scratch.home, 'broker.key'),
        '--grace-seconds',
        '2',
      ],
      { home: brokerHome.home, env: { MPEGFLOW_DATABASE_URL: databaseUrl, MPEGFLOW_HOST_NAME: 'coord' } },
    );
    await until('the broker to listen', () => /broker listening on (https:\/\/\S+)/.test(broker.log()), 60_000);
    brokerUrl = /broker listening on (https:\/\/\S+)/.exec(broker.log())![1]!;
  });
  after(async () => {
    broker?.child.kill('SIGTERM');
    await broker?.exited;
    await Promise.all([minio?.stop(), cluster?.stop()]);
    for (const h of [scratch, brokerHome, ...hosts]) h.cleanup();
  });

  it('a queue drains through two brokered workers whose environment, command line, state folder and home hold no secret; the broker publishes', async () => {
    const tokenFile = path.join(hosts[1]!.home, 'broker.token');
    writeFileSync(tokenFile, `${tokens.get('enc2')}\n`);
    chmodSync(tokenFile, 0o600);
    const workers = [
      startWorker(hosts[0]!, ['--drain', '--broker-ca', ca], { env: tokens.get('enc1') }),
      startWorker(hosts[1]!, ['--drain', '--broker-ca', ca], { file: tokenFile }),
    ];
    const secrets = [minio.secretKey, PG_PASSWORD];
    const seen = workers.map((w) => {
      const pid = w.child.pid!;
      return `${readFileSync(`/proc/${pid}/environ`, 'latin1')}\n${readFileSync(`/proc/${pid}/cmdline`, 'latin1')}`;
    });
    const codes = await Promise.all(workers.map((w) => w.exited));
    assert.deepEqual(codes, [0, 0], workers.map((w) => w.log()).join('\n'));
    for (const text of seen)
      for (const secret of secrets) assert.ok(!text.includes(secret), 'no secret in a worker’s environment or command line');
    for (const host of hosts) {
      for (const { file, text } of filesUnder(host.home))
        for (const secret of secrets) assert.ok(!text.includes(secret), `no secret in ${file}`);
    }
    assert.deepEqual(
      (await jobs()).map((j) => j.state),
      ['done', 'done', 'done', 'done'],
    );
    const objects = await minio.client().listObjectsV2('out', '', true).toArray();
    const names = objects.map((o: { name?: string }) => o.name ?? '').sort();
    for (let i = 0; i < 4; i++)
      assert.ok(names.includes(`clip${i}/manifest.json`) && names.includes(`clip${i}/proxy.mp4`), names.join(' '));
    assert.ok(!names.some((n) => n.startsWith('.mpegflow-staging/')), 'no staging left behind');
    const listed = parseJson<{ workers: WorkerInfo[] }>(await onBroker(['worker', 'list', '--json'])).workers;
    assert.deepEqual([...new Set(listed.map((w) => `${w.host} ${w.mode}`))].sort(), ['enc1 broker', 'enc2 broker']);
    const status = parseJson<{ grantsIssued: number; workers: { host: string }[] }>(
      await runCli(['broker', 'status', '--broker', brokerUrl, '--broker-ca', ca, '--json'], {
        home: hosts[0]!.home,
        env: { MPEGFLOW_BROKER_TOKEN: tokens.get('enc1') },
      }),
    );
    assert.ok(status.grantsIssued > 0);
    const verified = await onBroker(['audit', 'verify']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });
});
