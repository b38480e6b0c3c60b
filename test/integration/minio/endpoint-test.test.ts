import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseJson, runCli, tempHome, transcript } from '../../support/cli.ts';
import { makeTestCA, startSingleDrive, type Deployment } from '../../support/minio.ts';
import { startPlainHttpServer } from '../../support/plain-http.ts';
import { startMotoServer } from '../../support/moto.ts';
import type { EndpointTestOutput } from '../../../src/core/endpoints/probe.ts';

describe('mpegflow endpoint test and bad endpoints (real MinIO, TLS, non-MinIO servers)', () => {
  const { home, cleanup } = tempHome('mpegflow-endpoint-test-');
  let plain: Deployment;
  let tls: Deployment;
  let ca: { caCert: string; certDir: string };
  let web: Awaited<ReturnType<typeof startPlainHttpServer>>;
  let moto: Awaited<ReturnType<typeof startMotoServer>> | undefined;
  const cli = (args: string[], input?: string) => runCli(args, { home, input, timeoutMs: 120_000 });
  const add = (name: string, url: string, accessKey: string, secret: string, extra: string[] = []) =>
    cli(['endpoint', 'add', name, '--url', url, '--access-key', accessKey, '--secret-key-stdin', ...extra], secret);

  before(async () => {
    ca = makeTestCA(mkdtempSync(path.join(os.tmpdir(), 'mpegflow-ca-')));
    [plain, tls, web, moto] = await Promise.all([
      startSingleDrive(),
      startSingleDrive({ certDir: ca.certDir }),
      startPlainHttpServer(),
      startMotoServer(),
    ]);
    await plain.client().makeBucket('media');
    const https = tls.url.replace('127.0.0.1', 'localhost');
    for (const [name, url, d, extra] of [
      ['plain', plain.url, plain, []],
      ['tls', https, tls, ['--ca-cert', ca.caCert]],
      ['tls-no-ca', https, tls, []],
    ] as const) {
      assert.equal((await add(name, url, d.accessKey, d.secretKey, [...extra])).code, 0);
    }
    await add('wrong-key', plain.url, plain.accessKey, 'not-the-right-secret-key');
    await add('closed', 'http://127.0.0.1:1', 'someone', 'whatever-secret');
    await add('web', web.url, 'someone', 'whatever-secret');
    if (moto) await add('other-s3', moto.url, 'testing', 'testing-secret');
  });
  after(async () => {
    await Promise.all([plain?.stop(), tls?.stop(), web?.stop(), moto?.stop()]);
    cleanup();
  });

  it('reports version, mode, drives, bucket count and latency', async () => {
    const res = await cli(['endpoint', 'test', 'plain', '--json']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const doc = parseJson<EndpointTestOutput>(res);
    assert.equal(doc.ok, true);
    assert.equal(doc.buckets, 1);
    assert.ok(doc.latencyMs !== null && doc.latencyMs > 0 && doc.latencyMs < 5000);
    assert.equal(doc.server?.drives, 1);
    assert.ok(doc.server?.version);
    const human = await cli(['endpoint', 'test', 'plain']);
    assert.match(human.stdout, /S3 sign-in\s+ok/);
  });

  it('TLS with a private CA passes with --ca-cert and fails clearly without', async () => {
    const good = await cli(['endpoint', 'test', 'tls', '--json']);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    const bad = await cli(['endpoint', 'test', 'tls-no-ca']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /TLS connection failed/);
    assert.match(bad.stderr, /--ca-cert/);
    const health = await cli(['health', 'tls-no-ca']);
    assert.equal(health.code, 3);
    assert.match(health.stdout, /TLS connection failed/);
    // reached over TLS and read: a single drive is WARNING (no redundancy), not UNKNOWN
    assert.equal((await cli(['health', 'tls'])).code, 1);
  });

  it('wrong credentials, a closed port, a web server that is not MinIO', async () => {
    for (const [name, pattern] of [
      ['wrong-key', /refused the credentials/],
      ['closed', /refused the connection/],
      ['web', /not (an S3|a MinIO) server/],
    ] as const) {
      const test = await cli(['endpoint', 'test', name]);
      assert.equal(test.code, 1, `${name}: ${test.stdout}${test.stderr}`);
      assert.match(test.stderr, pattern);
      const health = await cli(['health', name]);
      assert.equal(health.code, 3, `${name}: ${health.stdout}`);
      assert.match(health.stdout, name === 'web' ? /not a MinIO server/ : pattern);
      assert.doesNotMatch(test.stderr + health.stdout + health.stderr, /\n\s+at /);
    }
  });

  it('an S3 server without the admin API: S3 works, health cannot tell (exit 3)', async (t) => {
    if (!moto) return t.skip('moto (a second S3 implementation) is not installed: run bash scripts/install-test-deps.sh');
    const test = parseJson<EndpointTestOutput>(await cli(['endpoint', 'test', 'other-s3', '--json']));
    assert.equal(test.ok, false);
    assert.deepEqual(
      test.checks.map((c) => [c.name, c.ok]),
      [
        ['S3 sign-in', true],
        ['admin API', false],
      ],
    );
    const health = await cli(['health', 'other-s3']);
    assert.equal(health.code, 3);
    assert.match(health.stdout, /answers S3 but not MinIO's admin API|not a MinIO server/);
  });

  it('never printed a secret key', () => {
    const all = transcript.join('\n');
    // an empty transcript (no run captured) would prove nothing
    assert.ok(transcript.length >= 10 && all.length > 1000, `the transcript holds the runs above (${transcript.length} outputs)`);
    for (const secret of [plain.secretKey, tls.secretKey, 'not-the-right-secret-key']) {
      assert.ok(secret.length >= 16);
      assert.ok(!all.includes(secret));
    }
  });
});
