import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import type { ResolvedEndpoint } from '../../../src/core/endpoints/model.ts';
import * as z from 'zod';
import { adminJson } from '../../../src/core/minio-admin/http.ts';
import { serverInfo } from '../../../src/core/minio-admin/types.ts';

let server: http.Server;
let endpoint: ResolvedEndpoint;
before(async () => {
  server = http.createServer((req, res) => {
    if (req.url?.startsWith('/page')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome</body></html>');
    } else if (req.url?.startsWith('/empty')) res.writeHead(200).end();
    else if (req.url?.startsWith('/info')) {
      // an info answer whose second server lists a drive with a numeric state, and Go's nil slices as null
      const drive = (state: unknown) => ({ endpoint: 'http://n/d1', state, totalspace: 10 });
      const servers = [
        { state: 'online', endpoint: 'n1', drives: [drive('ok')], network: null },
        { state: 'online', endpoint: 'n2', drives: [drive('ok'), drive(3)] },
      ];
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ mode: 'online', servers: req.url.endsWith('bad') ? servers : servers.slice(0, 1), buckets: null }));
    } else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  endpoint = { name: 'edge', url: `http://127.0.0.1:${port}`, accessKey: 'a', secretKey: 's', region: 'us-east-1' } as ResolvedEndpoint;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const target = { alias: 'edge', url: 'http://edge', action: 'read' };

it('reads a JSON answer; an empty one is the default given; a 200 page that is not JSON is a mapped error, not a crash', async () => {
  const ok = z.object({ ok: z.boolean() });
  assert.deepEqual(await adminJson(endpoint, { method: 'GET', path: '/json', retries: 0 }, target, ok), { ok: true });
  assert.deepEqual(await adminJson(endpoint, { method: 'GET', path: '/empty', retries: 0 }, target, z.array(z.number()), []), []);
  await assert.rejects(
    adminJson(endpoint, { method: 'GET', path: '/page', retries: 0 }, target, ok),
    (error: Error & { code?: string }) => {
      assert.equal(error.name, 'MpegflowError');
      assert.doesNotMatch(error.message, /Unexpected token|JSON/);
      return true;
    },
  );
});

it('checks what it reads: null reads as absent, fields it does not read pass, a field of another type is named', async () => {
  const info = await adminJson(endpoint, { method: 'GET', path: '/info', retries: 0 }, target, serverInfo);
  assert.equal(info.servers?.[0]?.drives?.[0]?.state, 'ok');
  assert.equal(info.buckets, undefined);
  await assert.rejects(
    adminJson(endpoint, { method: 'GET', path: '/info-bad', retries: 0 }, target, serverInfo),
    (error: Error & { code?: string; details?: { field?: string } }) => {
      assert.equal(error.code, 'ADMIN_ANSWER_UNEXPECTED');
      assert.equal(error.details?.field, 'servers[1].drives[1].state');
      assert.match(
        error.message,
        /^endpoint 'edge' \(http:\/\/edge\) answered "read" with a document MpegFlow cannot read: servers\[1\]\.drives\[1\]\.state: /,
      );
      return true;
    },
  );
});
