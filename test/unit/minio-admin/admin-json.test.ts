import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import type { ResolvedEndpoint } from '../../../src/core/endpoints/model.ts';
import { adminJson } from '../../../src/core/minio-admin/http.ts';

let server: http.Server;
let endpoint: ResolvedEndpoint;
before(async () => {
  server = http.createServer((req, res) => {
    if (req.url?.startsWith('/page')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome</body></html>');
    } else if (req.url?.startsWith('/empty')) res.writeHead(200).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  endpoint = { name: 'edge', url: `http://127.0.0.1:${port}`, accessKey: 'a', secretKey: 's', region: 'us-east-1' } as ResolvedEndpoint;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const target = { alias: 'edge', url: 'http://edge', action: 'read' };

it('reads a JSON answer; an empty one is the default given; a 200 page that is not JSON is a mapped error, not a crash', async () => {
  assert.deepEqual(await adminJson(endpoint, { method: 'GET', path: '/json', retries: 0 }, target), { ok: true });
  assert.deepEqual(await adminJson(endpoint, { method: 'GET', path: '/empty', retries: 0 }, target, []), []);
  await assert.rejects(adminJson(endpoint, { method: 'GET', path: '/page', retries: 0 }, target), (error: Error & { code?: string }) => {
    assert.equal(error.name, 'MpegflowError');
    assert.doesNotMatch(error.message, /Unexpected token|JSON/);
    return true;
  });
});
