import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as Minio from 'minio';
import { createS3Client } from '../../../src/core/s3/client.ts';
import { MpegflowError } from '../../../src/core/errors.ts';
import {
  headFailure,
  isRetryable,
  isStorageError,
  responseFailure,
  storageFailure,
  type StorageResponse,
} from '../../../src/core/s3/errors.ts';
import { freePort, makeTestCA, startSingleDrive, type Deployment } from '../../support/minio.ts';
import { startPlainHttpServer } from '../../support/plain-http.ts';

/**
 * The storage error boundary, fed with real failures: the minio SDK and Node
 * failing against a closed port, a server that never answers, a TLS server
 * with a private CA, a DNS server that says NXDOMAIN, a plain web server and
 * a real MinIO (wrong keys, missing bucket and key, an invalid bucket name).
 */

async function failure(promise: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

/** The S3 client MpegFlow itself makes for an endpoint. */
function clientFor(url: string, keys: { accessKey: string; secretKey: string }): Minio.Client {
  return createS3Client({ name: 'test', url, region: 'us-east-1', caCert: null, ...keys });
}

/** One raw HTTP exchange, as the admin client makes it. */
function rawRequest(url: string, options: http.RequestOptions = {}): Promise<StorageResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function assertMapped(
  error: MpegflowError,
  expected: { code: string; retryable: boolean; exitCode?: number; alias: string; path?: string; suggests?: RegExp },
): void {
  assert.ok(error instanceof MpegflowError);
  assert.equal(error.code, expected.code, error.message);
  assert.equal(error.retryable, expected.retryable, `${expected.code} retryable`);
  assert.equal(error.exitCode, expected.exitCode ?? 1);
  assert.notEqual(error.kind, 'bug');
  assert.match(error.message, new RegExp(`'${expected.alias}'|${expected.alias}/`), 'names the endpoint');
  if (expected.path) assert.ok(error.message.includes(expected.path), `names the path: ${error.message}`);
  assert.ok(error.suggestion && error.suggestion.length > 10, 'suggests a next step');
  if (expected.suggests) assert.match(error.suggestion!, expected.suggests);
  assert.doesNotMatch(error.message, /\(\): |: $/, 'no empty cause');
}

describe('storage errors from the network (Node and the minio SDK, no server needed)', () => {
  let closedPort: number;
  let silent: net.Server;
  let silentPort: number;
  const sockets = new Set<net.Socket>();
  before(async () => {
    closedPort = await freePort();
    silent = net.createServer((socket) => sockets.add(socket)); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as net.AddressInfo).port;
  });
  after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });

  it('a closed port (SDK): unreachable, retryable, names the endpoint and the path', async () => {
    const raw = await failure(
      clientFor(`http://127.0.0.1:${closedPort}`, { accessKey: 'a', secretKey: 'b' }).statObject('media', 'clip.mov'),
    );
    assert.equal((raw as { code?: string }).code, 'ECONNREFUSED');
    assert.ok(isStorageError(raw));
    assert.ok(isRetryable(raw));
    const mapped = storageFailure(raw, {
      alias: 'edge1',
      url: `http://127.0.0.1:${closedPort}`,
      path: 'edge1/media/clip.mov',
      action: 'read',
    });
    assertMapped(mapped, {
      code: 'UNREACHABLE',
      retryable: true,
      alias: 'edge1',
      path: 'edge1/media/clip.mov',
      suggests: /endpoint test edge1/,
    });
    assert.match(
      mapped.message,
      /^cannot read edge1\/media\/clip\.mov: endpoint 'edge1' \(http:\/\/127\.0\.0\.1:\d+\) refused the connection/,
    );
    assert.equal(mapped.cause, raw);
  });

  it('a closed port (fetch: a TypeError whose cause has the code) is a network failure, not a bug', async () => {
    const raw = await failure(fetch(`http://127.0.0.1:${closedPort}/`));
    assert.equal((raw as Error).name, 'TypeError');
    const mapped = storageFailure(raw, { alias: 'edge1' });
    assertMapped(mapped, { code: 'UNREACHABLE', retryable: true, alias: 'edge1' });
  });

  it('a server that never answers: timeout, retryable', async () => {
    const raw = await failure(rawRequest(`http://127.0.0.1:${silentPort}/`, { signal: AbortSignal.timeout(200) }));
    const mapped = storageFailure(raw, { alias: 'central', path: 'central/masters' });
    assertMapped(mapped, { code: 'TIMEOUT', retryable: true, alias: 'central', path: 'central/masters' });
  });

  it('a name that does not resolve (a local DNS server answering NXDOMAIN): host not found, retryable', async () => {
    const dns = dgram.createSocket('udp4');
    dns.on('message', (query, peer) => {
      // echo the question with QR, RD, RA set and RCODE 3 (NXDOMAIN)
      const answer = Buffer.from(query);
      answer.writeUInt16BE(0x8183, 2);
      dns.send(answer, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => dns.bind(0, '127.0.0.1', resolve));
    try {
      const resolver = new Resolver({ timeout: 1000, tries: 1 });
      resolver.setServers([`127.0.0.1:${dns.address().port}`]);
      const raw = await failure(resolver.resolve4('minio.example.internal'));
      assert.equal((raw as { code?: string }).code, 'ENOTFOUND');
      assertMapped(storageFailure(raw, { alias: 'archive' }), {
        code: 'HOST_NOT_FOUND',
        retryable: true,
        alias: 'archive',
        suggests: /DNS/,
      });
    } finally {
      dns.close();
    }
  });

  it('TLS: an untrusted certificate is permanent and suggests --ca-cert; https against an http port says so', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-tls-'));
    const { certDir } = makeTestCA(dir);
    const server = https.createServer(
      { cert: readFileSync(path.join(certDir, 'public.crt')), key: readFileSync(path.join(certDir, 'private.key')) },
      (_req, res) => res.end(),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const raw = await failure(clientFor(`https://127.0.0.1:${port}`, { accessKey: 'a', secretKey: 'b' }).listBuckets());
      const mapped = storageFailure(raw, { alias: 'edge1', url: `https://127.0.0.1:${port}` });
      assertMapped(mapped, { code: 'TLS_UNTRUSTED', retryable: false, alias: 'edge1', suggests: /--ca-cert/ });
      assert.equal(isRetryable(raw), false);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const plain = await startPlainHttpServer();
    try {
      const raw = await failure(clientFor(plain.url.replace('http:', 'https:'), { accessKey: 'a', secretKey: 'b' }).listBuckets());
      assertMapped(storageFailure(raw, { alias: 'edge1' }), {
        code: 'TLS_FAILED',
        retryable: false,
        alias: 'edge1',
        suggests: /https or http/,
      });
    } finally {
      await plain.stop();
    }
  });

  it('a plain web server: not S3 to the SDK, not MinIO to the admin client', async () => {
    const plain = await startPlainHttpServer();
    try {
      const raw = await failure(clientFor(plain.url, { accessKey: 'a', secretKey: 'b' }).listBuckets());
      const mapped = storageFailure(raw, { alias: 'web' });
      assert.equal(mapped.code, 'NOT_S3', mapped.message);
      assert.notEqual(mapped.kind, 'bug');
      const response = await rawRequest(`${plain.url}/minio/admin/v3/info`);
      assertMapped(responseFailure(response, { alias: 'web', action: 'read server info' }), {
        code: 'NOT_MINIO',
        retryable: false,
        alias: 'web',
        suggests: /S3 API port/,
      });
    } finally {
      await plain.stop();
    }
  });

  it('answers a server sends when busy or broken (503 SlowDown, 500 InternalError) are retryable; the SDK parses them', async () => {
    let status = 503;
    const server = http.createServer((_req, res) => {
      const code = status === 503 ? 'SlowDown' : 'InternalError';
      res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': 'R1', server: 'MinIO' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>try later</Message><Resource>/media/x</Resource></Error>`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const client = clientFor(url, { accessKey: 'a', secretKey: 'b' });
      const busy = await failure(client.getObject('media', 'x'));
      assertMapped(storageFailure(busy, { alias: 'edge1', path: 'edge1/media/x' }), {
        code: 'STORAGE_BUSY',
        retryable: true,
        alias: 'edge1',
      });
      // a HEAD carries no body: the SDK names a 503 SlowDown itself
      const busyHead = await failure(client.statObject('media', 'x'));
      assertMapped(storageFailure(busyHead, { alias: 'edge1' }), { code: 'STORAGE_BUSY', retryable: true, alias: 'edge1' });
      assertMapped(responseFailure(await rawRequest(`${url}/minio/admin/v3/info`), { alias: 'edge1' }), {
        code: 'STORAGE_BUSY',
        retryable: true,
        alias: 'edge1',
      });
      status = 500;
      const broken = await failure(client.getObject('media', 'x'));
      assertMapped(storageFailure(broken, { alias: 'edge1' }), { code: 'STORAGE_UNAVAILABLE', retryable: true, alias: 'edge1' });
      assertMapped(responseFailure(await rawRequest(`${url}/minio/admin/v3/info`), { alias: 'edge1' }), {
        code: 'STORAGE_UNAVAILABLE',
        retryable: true,
        alias: 'edge1',
      });
    } finally {
      server.close();
    }
  });

  it('codes worth a retry, without a request', () => {
    assert.equal(isRetryable({ code: 'ECONNREFUSED' }), true);
    assert.equal(isRetryable({ code: 'SlowDown' }), true);
    assert.equal(isRetryable({ code: 'AccessDenied', statusCode: 403 }), false);
    assert.equal(isRetryable({ code: 'XMinioStorageFull' }), false);
  });

  it('bugs stay bugs; MpegflowErrors pass through', () => {
    const bug = storageFailure(new TypeError("Cannot read properties of undefined (reading 'x')"), { alias: 'edge1' });
    assert.equal(bug.kind, 'bug');
    assert.equal(bug.code, 'INTERNAL');
    assert.equal(isRetryable(new TypeError('x')), false);
    const mine = new MpegflowError('already mapped', { code: 'STORAGE_BUSY', retryable: true });
    assert.equal(storageFailure(mine, { alias: 'edge1' }), mine);
    assert.equal(isRetryable(mine), true);
    assert.equal(isRetryable(new Error('something nobody knows')), false, 'unknown failures are not retried');
  });

  it('a local file error is not a storage failure', async () => {
    const enoent = await failure(readFile(path.join(os.tmpdir(), 'mpegflow-no-such-file')));
    assert.equal((enoent as { code?: string }).code, 'ENOENT');
    assert.equal(isStorageError(enoent), false);
    assert.equal(isRetryable(enoent), false);
  });
});

describe('storage errors from a real MinIO', () => {
  let minio: Deployment;
  let good: Minio.Client;
  before(async () => {
    minio = await startSingleDrive();
    good = minio.client();
    await good.makeBucket('media');
    await good.putObject('media', 'clip.mov', Buffer.from('x'));
  });
  after(() => minio?.stop());

  const target = (path: string) => ({ alias: 'edge1', url: minio.url, path });

  it('a wrong secret key: credentials refused, permanent (a HEAD, which has no error document, is asked again)', async () => {
    const wrong = clientFor(minio.url, { accessKey: minio.accessKey, secretKey: 'wrong-secret-key' });
    const raw = await failure(wrong.listBuckets());
    assert.equal((raw as { code?: string }).code, 'SignatureDoesNotMatch');
    assertMapped(storageFailure(raw, { alias: 'edge1', url: minio.url, action: 'list the buckets' }), {
      code: 'CREDENTIALS_REFUSED',
      retryable: false,
      alias: 'edge1',
      suggests: /endpoint (show|add) edge1/,
    });
    const head = await failure(wrong.statObject('media', 'clip.mov'));
    assert.equal((head as { code?: string }).code, 'AccessDenied', 'the SDK can only guess from a 403 HEAD');
    const mapped = await headFailure(head, target('edge1/media/clip.mov'), () => wrong.getBucketVersioning('media'));
    assertMapped(mapped, { code: 'CREDENTIALS_REFUSED', retryable: false, alias: 'edge1', path: 'edge1/media/clip.mov' });
  });

  it('a wrong access key: credentials refused', async () => {
    const raw = await failure(clientFor(minio.url, { accessKey: 'nobody', secretKey: 'wrong-secret-key' }).listBuckets());
    assert.equal((raw as { code?: string }).code, 'InvalidAccessKeyId');
    assertMapped(storageFailure(raw, { alias: 'edge1' }), { code: 'CREDENTIALS_REFUSED', retryable: false, alias: 'edge1' });
  });

  it('anonymous access: access denied, permanent', async () => {
    const raw = await failure(clientFor(minio.url, { accessKey: '', secretKey: '' }).getObject('media', 'clip.mov'));
    assert.equal((raw as { code?: string }).code, 'AccessDenied');
    assertMapped(storageFailure(raw, target('edge1/media/clip.mov')), { code: 'ACCESS_DENIED', retryable: false, alias: 'edge1' });
  });

  it('a missing bucket and a missing key, by GET and by HEAD', async () => {
    const noBucket = await failure(good.getObject('nope', 'clip.mov'));
    assert.equal((noBucket as { code?: string }).code, 'NoSuchBucket');
    assertMapped(storageFailure(noBucket, target('edge1/nope/clip.mov')), {
      code: 'BUCKET_NOT_FOUND',
      retryable: false,
      alias: 'edge1',
      path: 'edge1/nope/clip.mov',
      suggests: /mc (ls|mb) edge1/,
    });
    const headNoBucket = await failure(good.statObject('nope', 'clip.mov'));
    assert.equal((headNoBucket as { code?: string }).code, 'NotFound');
    assertMapped(await headFailure(headNoBucket, target('edge1/nope/clip.mov'), () => good.getBucketVersioning('nope')), {
      code: 'BUCKET_NOT_FOUND',
      retryable: false,
      alias: 'edge1',
    });
    const noKey = await failure(good.getObject('media', 'missing.mov'));
    assert.equal((noKey as { code?: string }).code, 'NoSuchKey');
    assertMapped(storageFailure(noKey, target('edge1/media/missing.mov')), {
      code: 'OBJECT_NOT_FOUND',
      retryable: false,
      alias: 'edge1',
      suggests: /mc ls edge1\/media\//,
    });
    const headNoKey = await failure(good.statObject('media', 'missing.mov'));
    assertMapped(await headFailure(headNoKey, target('edge1/media/missing.mov'), () => good.getBucketVersioning('media')), {
      code: 'OBJECT_NOT_FOUND',
      retryable: false,
      alias: 'edge1',
    });
  });

  it('an invalid bucket name: refused by the SDK before any request, and by MinIO itself', async () => {
    const raw = await failure(() => good.statObject('Bad_Bucket', 'clip.mov'));
    assert.equal((raw as Error).name, 'InvalidBucketNameError');
    assertMapped(storageFailure(raw, target('edge1/Bad_Bucket/clip.mov')), {
      code: 'INVALID_BUCKET_NAME',
      retryable: false,
      exitCode: 2,
      alias: 'edge1',
    });
    // the server's own answer, to a request the SDK would not send
    const response = await rawRequest(`${minio.url}/Bad_Bucket/clip.mov`);
    const mapped = responseFailure(response, target('edge1/Bad_Bucket/clip.mov'));
    assert.ok(['INVALID_BUCKET_NAME', 'ACCESS_DENIED'].includes(mapped.code), `${mapped.code}: ${mapped.message}`);
  });

  it('a ".." key sent anyway: MinIO answers without a body, which is still not an empty message', async () => {
    const raw = await failure(good.statObject('media', '../etc/passwd'));
    const mapped = storageFailure(raw, target('edge1/media/../etc/passwd'));
    assert.notEqual(mapped.kind, 'bug');
    assert.ok(mapped.message.length > 'cannot access edge1/media/../etc/passwd: '.length, mapped.message);
    assert.doesNotMatch(mapped.message, /\(\): |: $/);
  });

  it("the admin API refusing a wrong secret key, and MinIO's own S3 answer to it", async () => {
    const response = await rawRequest(`${minio.url}/minio/admin/v3/info`);
    const mapped = responseFailure(response, { alias: 'edge1', action: 'read server info' });
    assert.ok(['ACCESS_DENIED', 'CREDENTIALS_REFUSED'].includes(mapped.code), `${mapped.code}: ${mapped.message}`);
    assert.equal(mapped.retryable, false);
  });
});
