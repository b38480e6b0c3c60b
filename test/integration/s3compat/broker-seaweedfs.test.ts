import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BrokerClient } from '../../../src/core/broker/client.ts';
import type { ClaimAnswer, GrantsAnswer } from '../../../src/core/broker/protocol.ts';
import type { MpegflowError } from '../../../src/core/errors.ts';
import type { Job } from '../../../src/core/jobs/model.ts';
import { cliEntry, parseJson, runCli, spawnCli, tempHome, type BackgroundCli } from '../../support/cli.ts';
import { brokerCertificate } from '../../support/broker-certificate.ts';
import { makeVideo } from '../../support/media.ts';
import { freePort } from '../../support/minio.ts';
import { startSeaweedFs, type SeaweedServer } from '../../support/seaweedfs.ts';
import { until } from '../../support/wait.ts';

/**
 * Presigned grants on another S3 store than MinIO: SeaweedFS's S3 gateway, with the broker's state in its
 * host's SQLite file. What holds on MinIO must hold here: a keyless worker drains the queue, a URL serves only
 * its request, and an upload URL does not copy another object.
 */
describe('strict broker on SeaweedFS: presigned grants on a store that is not MinIO', () => {
  const scratch = tempHome('mpegflow-broker-weed-');
  const brokerHome = tempHome('mpegflow-broker-weed-home-');
  const worker = tempHome('mpegflow-broker-weed-enc-');
  let weed: SeaweedServer | undefined;
  let broker: BackgroundCli | undefined;
  let brokerUrl = '';
  let token = '';
  let ca = '';
  let tls = { cert: '', key: '' };
  const onBroker = (args: string[], input?: string) => runCli(args, { home: brokerHome.home, env: { MPEGFLOW_HOST_NAME: 'coord' }, input });

  before(async () => {
    weed = await startSeaweedFs();
    if (!weed) return;
    const client = weed.client();
    await Promise.all([client.makeBucket('masters'), client.makeBucket('out'), client.makeBucket('secret')]);
    await client.putObject('secret', 'payroll.txt', Buffer.from('not for encoders'));
    await client.fPutObject('masters', 'clip.mp4', makeVideo(path.join(scratch.home, 'clip.mp4'), { width: 320, height: 240, seconds: 2 }));
    const add = await onBroker(
      ['endpoint', 'add', 'weed', '--url', weed.url, '--access-key', weed.accessKey, '--secret-key-stdin'],
      weed.secretKey,
    );
    assert.equal(add.code, 0, add.stderr);
    for (const name of ['a', 'b']) {
      const submitted = await onBroker(['job', 'submit', 'weed/masters/clip.mp4', '--preset', 'proxy', '--to', `weed/out/${name}/`]);
      assert.equal(submitted.code, 0, submitted.stderr);
    }
    ({ ca, ...tls } = brokerCertificate(scratch.home));
    token = parseJson<{ token: string }>(await onBroker(['broker', 'token', 'add', 'enc1', '--json'])).token;
    const port = await freePort();
    broker = spawnCli(['broker', '--listen', `127.0.0.1:${port}`, '--tls-cert', tls.cert, '--tls-key', tls.key], {
      home: brokerHome.home,
      env: { MPEGFLOW_HOST_NAME: 'coord' },
    });
    await until('the broker to listen', () => /broker listening on https:\/\/\S+/.test(broker!.log()), 60_000);
    brokerUrl = /broker listening on (https:\/\/\S+)/.exec(broker.log())![1]!;
  });
  after(async () => {
    broker?.child.kill('SIGTERM');
    await broker?.exited;
    await weed?.stop();
    for (const h of [scratch, brokerHome, worker]) h.cleanup();
  });

  it('a keyless worker drains the queue through the broker; the broker publishes', async (t) => {
    if (!weed) return t.skip('SeaweedFS is not built: run bash scripts/install-seaweedfs.sh');
    const run = spawn(process.execPath, [cliEntry, 'worker', '--drain', '--max-jobs', '1', '--broker', brokerUrl, '--broker-ca', ca], {
      env: {
        PATH: process.env.PATH,
        HOME: worker.home,
        MPEGFLOW_HOME: worker.home,
        MPEGFLOW_HOST_NAME: 'enc1',
        NO_COLOR: '1',
        MPEGFLOW_BROKER_TOKEN: token,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    run.stderr.on('data', (d: Buffer) => (log += d.toString()));
    assert.equal(await new Promise((resolve) => run.on('close', resolve)), 0, log);
    const names = (await weed.client().listObjectsV2('out', 'a/', true).toArray()).map((o: { name?: string }) => o.name ?? '').sort();
    assert.deepEqual(names, ['a/manifest.json', 'a/proxy.mp4']);
    const jobs = parseJson<{ jobs: Job[] }>(await onBroker(['job', 'list', '--json'])).jobs;
    assert.equal(jobs.find((j) => j.destination === 'weed/out/a/')!.state, 'done');
  });

  it('a URL serves only its request; an upload URL does not copy another object', async (t) => {
    if (!weed) return t.skip('SeaweedFS is not built: run bash scripts/install-seaweedfs.sh');
    const api = new BrokerClient({ url: brokerUrl, ca: readFileSync(ca), token });
    try {
      const id = 'enc1:777:weed';
      await api.call('POST', '/v1/workers', { workerId: id, pid: 777, version: 'test', concurrency: 1, leaseMs: 60_000 });
      const { job } = await api.call<ClaimAnswer>('POST', '/v1/claim', { workerId: id, leaseMs: 60_000 });
      assert.ok(job, 'job b is leased to this host');
      const lease = { generation: job.leaseGeneration, attempts: job.attempts };
      const grant = async (request: { method: 'GET' | 'PUT'; bucket: string; key: string }) =>
        (await api.call<GrantsAnswer>('POST', `/v1/jobs/${job.id}/grants`, { ...lease, requests: [request] })).grants[0]!;
      const read = await grant({ method: 'GET', bucket: 'masters', key: 'clip.mp4' });
      assert.equal((await fetch(read.url)).status, 200);
      assert.equal((await fetch(read.url.replace('/masters/clip.mp4', '/secret/payroll.txt'))).status, 403);
      const staged = `.mpegflow-staging/job-${job.id}-g${job.leaseGeneration}/probe.bin`;
      const put = await grant({ method: 'PUT', bucket: 'out', key: staged });
      assert.equal(
        (await fetch(put.url, { method: 'PUT', body: 'staged', headers: put.headers })).status,
        200,
        'a plain upload passes the copy guard',
      );
      const copy = await fetch(put.url, { method: 'PUT', headers: { ...put.headers, 'x-amz-copy-source': '/secret/payroll.txt' } });
      assert.notEqual(copy.status, 200, 'an upload URL does not copy another object');
      const stored = await weed.client().getObject('out', staged);
      assert.equal(Buffer.concat(await stored.toArray()).toString(), 'staged');
      await assert.rejects(
        grant({ method: 'GET', bucket: 'secret', key: 'payroll.txt' }),
        (error: MpegflowError) => error.code === 'BROKER_GRANT_REFUSED',
      );
    } finally {
      api.close();
    }
  });
});
