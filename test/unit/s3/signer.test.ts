import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { describe, it } from 'node:test';
import { hostSigner, objectPath, UNSIGNED_PAYLOAD } from '../../../src/core/s3/signer.ts';

const connection = {
  name: 'edge',
  url: 'http://127.0.0.1:9000',
  accessKey: 'AKIAEXAMPLE',
  secretKey: 'secret-key-example',
  region: 'us-east-1',
};

describe('the host signer', () => {
  it('writes a key path-style, each segment encoded as S3 canonicalises it, its slashes kept', () => {
    assert.equal(
      objectPath('media', "Evening News (2026)/a+b=c;d!/it's é*.mov"),
      '/media/Evening%20News%20%282026%29/a%2Bb%3Dc%3Bd%21/it%27s%20%C3%A9%2A.mov',
    );
    assert.equal(objectPath('media', ''), '/media');
  });

  it('signs by header with the body hash it is given, and the checksum header with it', async () => {
    const signer = hostSigner(connection, new http.Agent());
    const sha = 'a'.repeat(64);
    const signed = await signer.sign(
      { method: 'PUT', bucket: 'media', key: 'a b.ts', query: { partNumber: '2', uploadId: 'x+y/z=' } },
      sha,
    );
    assert.equal(signed.url, 'http://127.0.0.1:9000/media/a%20b.ts?partNumber=2&uploadId=x%2By%2Fz%3D');
    assert.equal(signed.headers['x-amz-content-sha256'], sha);
    assert.match(
      signed.headers.Authorization!,
      /^AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=[^,]*x-amz-content-sha256/,
    );
    assert.doesNotMatch(JSON.stringify(signed), /secret-key-example/);
    const unsigned = await hostSigner({ ...connection, url: 'https://s3.example' }, new https.Agent()).sign(
      { method: 'PUT', bucket: 'media', key: 'k', headers: { 'x-amz-checksum-crc32': 'AAAAAA==' } },
      UNSIGNED_PAYLOAD,
    );
    assert.equal(unsigned.url, 'https://s3.example/media/k');
    assert.equal(unsigned.headers['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD');
    assert.match(unsigned.headers.Authorization!, /SignedHeaders=[^,]*x-amz-checksum-crc32/, 'the checksum is signed: a grant fixes it');
  });

  it('presigns one request for a lifetime, in the query and nowhere else', async () => {
    const url = new URL(
      await hostSigner(connection, new http.Agent()).presign(
        { method: 'GET', bucket: 'media', key: 'clip.mov', query: { versionId: 'v1' } },
        900,
      ),
    );
    assert.equal(url.pathname, '/media/clip.mov');
    assert.equal(url.searchParams.get('versionId'), 'v1');
    assert.equal(url.searchParams.get('X-Amz-Expires'), '900');
    assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'host');
    assert.match(url.searchParams.get('X-Amz-Signature')!, /^[0-9a-f]{64}$/);
  });
});
