import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { plainGet } from '../../../src/core/endpoints/http-get.ts';

describe('a plain GET, as ffmpeg sends it', () => {
  let server: http.Server;
  let base: string;
  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/silent') return; // never answers
      res.writeHead(206, { 'x-range-seen': req.headers.range ?? '' });
      res.end('x'.repeat(100));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('sends the headers given and reads the body up to maxBytes', async () => {
    const res = await plainGet(`${base}/b/k`, { headers: { Range: 'bytes=0-99' }, maxBytes: 10 });
    assert.equal(res.status, 206);
    assert.equal(res.headers['x-range-seen'], 'bytes=0-99');
    assert.equal(res.body.toString(), 'x'.repeat(10));
  });

  it('gives up on a server that never answers', async () => {
    await assert.rejects(plainGet(`${base}/silent`, { timeoutMs: 100 }), { code: 'TIMEOUT' });
  });
});
