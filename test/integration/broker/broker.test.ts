import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliEntry, parseJson, runCli, spawnCli, tempHome, type BackgroundCli } from '../../support/cli.ts';
import { brokerCertificate } from '../../support/broker-certificate.ts';
import { makeVideo } from '../../support/media.ts';
import { freePort, startSingleDrive, type Deployment } from '../../support/minio.ts';
import { PG_PASSWORD, PostgresCluster } from '../../support/postgres.ts';
import { expireLease } from '../../support/store-clock.ts';
import { until } from '../../support/wait.ts';
import type { Job } from '../../../src/core/jobs/model.ts';
import { BrokerClient } from '../../../src/core/broker/client.ts';
import type { ClaimAnswer, GrantRequest, GrantsAnswer } from '../../../src/core/broker/protocol.ts';
import type { MpegflowError } from '../../../src/core/errors.ts';
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
  let ca = '';
  let tls = { cert: '', key: '' };
  const onBroker = (args: string[], input?: string) =>
    runCli(args, {
      home: brokerHome.home,
      env: { MPEGFLOW_DATABASE_URL: databaseUrl, MPEGFLOW_HOST_NAME: 'coord' },
      input,
      timeoutMs: 120_000,
    });
  const jobs = async () => parseJson<{ jobs: Job[] }>(await onBroker(['job', 'list', '--json'])).jobs;

  /** A worker as a keyless host runs it: a clean environment with its home, its host name and its token, nothing else. */
  const startWorker = (
    host: { name: string; home: string },
    args: string[],
    token: { env?: string; file?: string } = {},
    /** As a service's environment file gives them (MPEGFLOW_BROKER_URL, _CA, _TOKEN_FILE), not as flags. */
    settings: Record<string, string> = {},
  ) => {
    const child = spawn(
      process.execPath,
      [
        cliEntry,
        'worker',
        ...(settings.MPEGFLOW_BROKER_URL ? [] : ['--broker', brokerUrl]),
        ...args,
        ...(token.file ? ['--broker-token-file', token.file] : []),
      ],
      {
        cwd: host.home,
        env: {
          PATH: process.env.PATH,
          HOME: host.home,
          MPEGFLOW_HOME: path.join(host.home, 'state'),
          MPEGFLOW_HOST_NAME: host.name,
          NO_COLOR: '1',
          ...(token.env ? { MPEGFLOW_BROKER_TOKEN: token.env } : {}),
          ...settings,
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

  /** A job for `clip` queued and leased to enc1 by calling the broker's API as a worker would (no worker process). */
  const leaseThroughApi = async (clip: string, name: string, leaseMs: number) => {
    const submitted = await onBroker(['job', 'submit', `store/masters/${clip}.mp4`, '--preset', 'proxy', '--to', `store/out/${name}/`]);
    assert.equal(submitted.code, 0, submitted.stderr);
    const api = new BrokerClient({ url: brokerUrl, ca: readFileSync(ca), token: tokens.get('enc1')! });
    const workerId = `enc1:${process.pid}:${name}`;
    await api.call('POST', '/v1/workers', { workerId, pid: process.pid, version: 'test', concurrency: 1, leaseMs });
    const { job } = await api.call<ClaimAnswer>('POST', '/v1/claim', { workerId, leaseMs });
    assert.ok(job, 'the job is leased to this host');
    return { api, job, lease: { generation: job.leaseGeneration, attempts: job.attempts } };
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
    ({ ca, ...tls } = brokerCertificate(scratch.home));
    for (const host of hosts) {
      const added = parseJson<{ token: string }>(await onBroker(['broker', 'token', 'add', host.name, '--json']));
      tokens.set(host.name, added.token);
    }
    const port = await freePort();
    broker = spawnCli(['broker', '--listen', `127.0.0.1:${port}`, '--tls-cert', tls.cert, '--tls-key', tls.key, '--grace-seconds', '2'], {
      home: brokerHome.home,
      env: { MPEGFLOW_DATABASE_URL: databaseUrl, MPEGFLOW_HOST_NAME: 'coord' },
    });
    await until('the broker to listen', () => /broker listening on (https:\/\/\S+)/.test(broker.log()), 60_000);
    brokerUrl = /broker listening on (https:\/\/\S+)/.exec(broker.log())![1]!;
  });
  after(async () => {
    broker?.child.kill('SIGTERM');
    await broker?.exited;
    await Promise.all([minio?.stop(), cluster?.stop()]);
    for (const h of [scratch, brokerHome, ...hosts]) h.cleanup();
  });

  it("a queue drains through two brokered workers (one set up by flags, one by a service's environment) whose environment, command line, state folder and home hold no secret; the broker publishes", async () => {
    const tokenFile = path.join(hosts[1]!.home, 'broker.token');
    writeFileSync(tokenFile, `${tokens.get('enc2')}\n`);
    chmodSync(tokenFile, 0o600);
    const workers = [
      startWorker(hosts[0]!, ['--drain', '--broker-ca', ca], { env: tokens.get('enc1') }),
      startWorker(
        hosts[1]!,
        ['--drain'],
        {},
        { MPEGFLOW_BROKER_URL: brokerUrl, MPEGFLOW_BROKER_CA: ca, MPEGFLOW_BROKER_TOKEN_FILE: tokenFile },
      ),
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
    const audited = parseJson<{ entries: { target: string | null; detail: { event?: string; grantsIssued?: number } }[] }>(
      await onBroker(['audit', 'list', '--limit', '200', '--json']),
    ).entries.filter((e) => e.detail.event === 'published-by-broker');
    assert.equal(audited.length, 4, 'each publication is audited');
    for (const entry of audited) assert.ok((entry.detail.grantsIssued ?? 0) > 0, `${entry.target}: the grants its lease was issued`);
    const verified = await onBroker(['audit', 'verify']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });

  it('a grant serves exactly its request: the broker refuses what is outside the job (audited), the store any other use of a URL', async () => {
    const { api, job, lease } = await leaseThroughApi('clip1', 'misuse', 60_000);
    const grant = async (request: GrantRequest) =>
      (await api.call<GrantsAnswer>('POST', `/v1/jobs/${job.id}/grants`, { ...lease, requests: [request] })).grants[0]!;
    const versionId = job.sourceIdentity.split(':').at(-1)!;
    const code = async (response: Response) => /<Code>(\w+)<\/Code>/.exec(await response.text())?.[1];

    const read = await grant({ method: 'GET', bucket: 'masters', key: 'clip1.mp4', query: { versionId } });
    assert.equal((await fetch(read.url)).status, 200);
    const elsewhere = await fetch(read.url.replace('/masters/clip1.mp4', '/secret/payroll.txt'));
    assert.equal(elsewhere.status, 403, 'the read URL is for the source alone');
    assert.equal(await code(elsewhere), 'SignatureDoesNotMatch');
    assert.equal((await fetch(read.url, { method: 'DELETE' })).status, 403, 'nor is it a delete');

    const staged = `.mpegflow-staging/job-${job.id}-g${job.leaseGeneration}/probe.bin`;
    const put = await grant({ method: 'PUT', bucket: 'out', key: staged });
    assert.equal((await fetch(put.url, { method: 'PUT', body: 'staged', headers: put.headers })).status, 200);
    const other = await fetch(put.url.replace('probe.bin', 'other.bin'), { method: 'PUT', body: 'x', headers: put.headers });
    assert.equal(other.status, 403, 'the upload URL is for its key alone');
    const copy = await fetch(put.url, { method: 'PUT', headers: { ...put.headers, 'x-amz-copy-source': '/secret/payroll.txt' } });
    assert.equal(copy.status, 412, 'an upload URL does not copy another object');
    const copied = await fetch((await grant({ method: 'GET', bucket: 'out', key: staged })).url);
    assert.equal(await copied.text(), 'staged');

    const refused: [GrantRequest, RegExp][] = [
      [{ method: 'GET', bucket: 'secret', key: 'payroll.txt' }, /outside the job's source and its staging/],
      [{ method: 'GET', bucket: 'masters', key: 'clip2.mp4' }, /outside the job's source/],
      [{ method: 'GET', bucket: 'masters', key: 'clip1.mp4', query: { versionId: 'another' } }, /only version .* the one submitted/],
      [{ method: 'DELETE', bucket: 'masters', key: 'clip1.mp4', query: { versionId } }, /may only be read/],
      [{ method: 'PUT', bucket: 'out', key: 'misuse/proxy.mp4' }, /outside the job's source and its staging/],
      [
        { method: 'POST', bucket: 'out', key: 'misuse/manifest.json', query: { uploadId: 'x' } },
        /outside the job's source and its staging/,
      ],
      [{ method: 'DELETE', bucket: 'out', key: 'misuse/manifest.json' }, /outside the job's source and its staging/],
      [{ method: 'PUT', bucket: 'out', key: '.mpegflow-staging/job-999-g1/x.mp4' }, /outside the job's source and its staging/],
      [{ method: 'PUT', bucket: 'out', key: staged, query: { partNumber: '1', uploadId: 'not-ours' } }, /not one this lease started/],
      [{ method: 'PUT', bucket: 'out', key: staged, headers: ['x-amz-copy-source'] }, /server-side copies/],
      [
        { method: 'GET', bucket: 'out', key: '', query: { 'list-type': '2', prefix: 'misuse/' } },
        /outside the job's source and its staging/,
      ],
    ];
    for (const [request, reason] of refused) {
      await assert.rejects(grant(request), (error: MpegflowError) => {
        assert.equal(error.code, 'BROKER_GRANT_REFUSED', `${request.method} ${request.bucket}/${request.key}`);
        assert.match(error.message, reason);
        return true;
      });
    }
    const audit = parseJson<{ entries: { detail: { event?: string } }[] }>(await onBroker(['audit', 'list', '--limit', '100', '--json']));
    assert.ok(audit.entries.filter((e) => e.detail.event === 'grant-refused').length >= refused.length);

    // another host's token cannot act on this lease
    const stranger = new BrokerClient({ url: brokerUrl, ca: readFileSync(ca), token: tokens.get('enc2')! });
    await assert.rejects(
      stranger.call('POST', `/v1/jobs/${job.id}/grants`, {
        ...lease,
        requests: [{ method: 'GET', bucket: 'masters', key: 'clip1.mp4', query: { versionId } }],
      }),
      (error: MpegflowError) => error.code === 'LEASE_LOST',
    );
    await api.call('POST', `/v1/jobs/${job.id}/fail`, { ...lease, error: 'test done', transient: false });
    api.close();
    stranger.close();
  });

  it('a grant ends with its lease and the grace: the store refuses it after, and the broker grants no more', async () => {
    const { api, job, lease } = await leaseThroughApi('clip2', 'expiry', 1_000);
    const request = {
      method: 'GET' as const,
      bucket: 'masters',
      key: 'clip2.mp4',
      query: { versionId: job.sourceIdentity.split(':').at(-1)! },
    };
    const [read] = (await api.call<GrantsAnswer>('POST', `/v1/jobs/${job.id}/grants`, { ...lease, requests: [request] })).grants;
    assert.ok(read!.expiresAt - Date.now() <= 4_000, 'the lease (1 s) and the grace (2 s)');
    assert.equal((await fetch(read!.url)).status, 200);
    await until('the grant to end', () => Date.now() > read!.expiresAt + 1_500, 10_000);
    const late = await fetch(read!.url);
    assert.equal(late.status, 403);
    await assert.rejects(
      api.call('POST', `/v1/jobs/${job.id}/grants`, { ...lease, requests: [request] }),
      (error: MpegflowError) => error.code === 'LEASE_LOST',
    );
    api.close();
    // the job is not left for the next worker to take over
    assert.equal((await onBroker(['job', 'cancel', String(job.id)])).code, 0);
  });

  it('a revoked token is refused at once, and a worker holding it stops with the cause; adding one again rotates it', async () => {
    const revoked = await onBroker(['broker', 'token', 'revoke', 'enc2']);
    assert.equal(revoked.code, 0, revoked.stderr);
    const worker = startWorker(hosts[1]!, ['--drain', '--broker-ca', ca], { env: tokens.get('enc2') });
    assert.equal(await worker.exited, 1, worker.log());
    assert.match(worker.log(), /refused this host's token/);
    assert.match(worker.log(), /broker token add HOST/);
    const again = parseJson<{ token: string }>(await onBroker(['broker', 'token', 'add', 'enc2', '--json']));
    const status = (token: string) =>
      runCli(['broker', 'status', '--broker', brokerUrl, '--broker-ca', ca, '--json'], {
        home: hosts[1]!.home,
        env: { MPEGFLOW_BROKER_TOKEN: token },
      });
    assert.equal((await status(again.token)).code, 0);
    const old = await status(tokens.get('enc2')!);
    assert.equal(old.code, 1);
    assert.equal(parseJson<{ error: { code: string } }>(old).error.code, 'BROKER_TOKEN_REFUSED');
    tokens.set('enc2', again.token);
    const list = await onBroker(['broker', 'token', 'list']);
    assert.match(list.stdout, /enc1\s+active/);
    for (const token of tokens.values()) assert.ok(!list.stdout.includes(token), 'no token is listed');
  });

  it('an untrusted certificate, a plain URL, a readable token file, no token and an unreachable broker each say what is wrong', async () => {
    const host = hosts[0]!;
    const run = async (args: string[], token: { env?: string; file?: string } = { env: tokens.get('enc1') }) => {
      const worker = startWorker(host, ['--drain', ...args], token);
      return { code: await worker.exited, log: worker.log() };
    };
    const untrusted = await run([]);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.log, /presented a certificate this host does not trust/);
    assert.match(untrusted.log, /--broker-ca FILE/);
    const file = path.join(host.home, 'loose.token');
    writeFileSync(file, tokens.get('enc1')!);
    chmodSync(file, 0o644);
    const loose = await run(['--broker-ca', ca], { file });
    assert.equal(loose.code, 1);
    assert.match(loose.log, /can be read by others \(mode 644\)/);
    const none = await run(['--broker-ca', ca], {});
    assert.equal(none.code, 2);
    assert.match(none.log, /no broker token/);
    const plain = spawnCli(['worker', '--drain', '--broker', 'http://127.0.0.1:1'], {
      home: host.home,
      env: { MPEGFLOW_BROKER_TOKEN: tokens.get('enc1') },
    });
    assert.equal(await plain.exited, 2);
    assert.match(plain.log(), /is not https:\/\//);
    const away = spawnCli(['worker', '--drain', '--broker', `https://127.0.0.1:${await freePort()}`, '--broker-ca', ca], {
      home: host.home,
      env: { MPEGFLOW_BROKER_TOKEN: tokens.get('enc1') },
    });
    assert.equal(await away.exited, 1);
    assert.match(away.log(), /cannot be reached \(ECONNREFUSED\)/);
    const noCert = await runCli(
      ['broker', '--listen', '127.0.0.1:0', '--tls-cert', path.join(scratch.home, 'missing.crt'), '--tls-key', tls.key],
      {
        home: brokerHome.home,
        env: { MPEGFLOW_DATABASE_URL: databaseUrl },
      },
    );
    assert.equal(noCert.code, 1);
    assert.match(noCert.stderr, /cannot read the broker's certificate .*missing\.crt: ENOENT/);
  });

  it('a worker paused past its lease gets no further grant; the job is taken over, and its late uploads never reach what is published', async () => {
    await minio
      .client()
      .fPutObject('masters', 'long.mp4', makeVideo(path.join(scratch.home, 'long.mp4'), { width: 1280, height: 720, seconds: 30 }));
    const submitted = parseJson<{ submitted: { id: number }[] }>(
      await onBroker(['job', 'submit', 'store/masters/long.mp4', '--preset', 'hls-h264', '--to', 'store/out/paused/', '--json']),
    );
    const id = submitted.submitted[0]!.id;
    const paused = startWorker(hosts[0]!, ['--broker-ca', ca, '--lease-seconds', '2', '--poll-seconds', '1', '--max-jobs', '1'], {
      env: tokens.get('enc1'),
    });
    await until('the encode to be under way', () => new RegExp(`job ${id}: encode .*\\d+\\.\\d%`).test(paused.log()), 120_000);
    paused.child.kill('SIGSTOP');
    try {
      // its lease runs out while it sleeps (the store's clock moved past it)
      await expireLease({ databaseUrl }, id);
      const taker = startWorker(hosts[1]!, ['--drain', '--broker-ca', ca, '--lease-seconds', '10'], { env: tokens.get('enc2') });
      assert.equal(await taker.exited, 0, taker.log());
    } finally {
      paused.child.kill('SIGCONT');
    }
    await paused.exited;
    assert.match(paused.log(), /another worker took it over; its outputs were discarded/);
    const view = parseJson<{ state: string; attempts: number; leaseGeneration: number; attemptsLog: { host: string; outcome: string }[] }>(
      await onBroker(['job', 'show', String(id), '--json']),
    );
    assert.equal(view.state, 'done');
    assert.deepEqual(
      view.attemptsLog.map((a) => `${a.host} ${a.outcome}`),
      ['enc1 lost', 'enc2 done'],
    );
    const objects = await minio.client().listObjectsV2('out', '', true).toArray();
    const names = objects.map((o: { name?: string }) => o.name ?? '');
    assert.ok(names.includes('paused/manifest.json'));
    assert.deepEqual(
      names.filter((n) => n.startsWith(`.mpegflow-staging/job-${id}-`)),
      [],
      'the paused worker’s staging is gone',
    );
  });

  it('the broker restarted while a worker encodes: the worker rides it out, and the job is done once, nothing lost', async () => {
    const submitted = parseJson<{ submitted: { id: number }[] }>(
      await onBroker(['job', 'submit', 'store/masters/long.mp4', '--preset', 'hls-h264', '--to', 'store/out/restart/', '--json']),
    );
    const id = submitted.submitted[0]!.id;
    const worker = startWorker(hosts[0]!, ['--drain', '--broker-ca', ca, '--lease-seconds', '20'], { env: tokens.get('enc1') });
    await until('the encode to be under way', () => new RegExp(`job ${id}: encode .*\\d+\\.\\d%`).test(worker.log()), 120_000);
    const args = broker.child.spawnargs.slice(2);
    broker.child.kill('SIGTERM');
    assert.equal(await broker.exited, 0, broker.log());
    await until('the worker to find the broker gone', () => /the state store is unreachable/.test(worker.log()), 30_000);
    broker = spawnCli(args, { home: brokerHome.home, env: { MPEGFLOW_DATABASE_URL: databaseUrl, MPEGFLOW_HOST_NAME: 'coord' } });
    await until('the broker to listen again', () => /broker listening on/.test(broker.log()), 60_000);
    assert.equal(await worker.exited, 0, worker.log());
    const view = parseJson<{ state: string; attemptsLog: { outcome: string }[] }>(await onBroker(['job', 'show', String(id), '--json']));
    assert.equal(view.state, 'done', `${worker.log()}\n${broker.log()}`);
    assert.deepEqual(
      view.attemptsLog.map((a) => a.outcome),
      ['done'],
      'one attempt, not retried',
    );
    const manifest = JSON.parse(
      await (await minio.client().getObject('out', 'restart/manifest.json')).toArray().then((c) => Buffer.concat(c).toString()),
    ) as {
      outputs: { name: string }[];
    };
    const names = (await minio.client().listObjectsV2('out', 'restart/', true).toArray()).map((o: { name?: string }) => o.name ?? '');
    for (const output of manifest.outputs) assert.ok(names.includes(`restart/${output.name}`), output.name);
  });
});
