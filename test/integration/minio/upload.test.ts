import assert from 'node:assert/strict';
import { createHash, randomFillSync } from 'node:crypto';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signerOf } from '../../../src/core/s3/client.ts';
import { storageFailure } from '../../../src/core/s3/errors.ts';
import { MIN_PART_SIZE, uploadFile } from '../../../src/core/s3/objects.ts';
import { tempHome } from '../../support/cli.ts';
import { startFaultProxy } from '../../support/fault-proxy.ts';
import { incompleteUploads, startSingleDrive, type Deployment } from '../../support/minio.ts';

describe('uploadFile against a real MinIO (multipart, parts in parallel)', () => {
  const { home, cleanup } = tempHome('mpegflow-upload-');
  let minio: Deployment;
  const file = path.join(home, 'master.bin');
  const body = randomFillSync(Buffer.alloc(2 * MIN_PART_SIZE + 3 * 1024 * 1024));
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  before(async () => {
    minio = await startSingleDrive();
    await minio.client().makeBucket('media');
  });
  after(async () => {
    await minio?.stop();
    cleanup();
  });

  it('stores the file byte for byte in three parts, and hashes it on the way', async () => {
    writeFileSync(file, body);
    const sent: number[] = [];
    const result = await uploadFile({
      signer: signerOf(minio.client()),
      bucket: 'media',
      key: 'masters/master.bin',
      file,
      partSize: MIN_PART_SIZE,
      partConcurrency: 2,
      onBytes: (bytes) => sent.push(bytes),
    });
    assert.equal(result.size, body.length);
    assert.equal(result.sha256, sha256(body));
    assert.match(result.etag, /-3$/, 'a multipart ETag of three parts');
    assert.equal(sent.at(-1), body.length);
    const stored: Buffer[] = [];
    for await (const piece of await minio.client().getObject('media', 'masters/master.bin')) stored.push(piece as Buffer);
    assert.equal(sha256(Buffer.concat(stored)), sha256(body));
  });

  it('a file that shrinks while it is uploaded is refused, and the multipart upload is aborted', async () => {
    writeFileSync(file, body);
    await assert.rejects(
      uploadFile({
        signer: signerOf(minio.client()),
        bucket: 'media',
        key: 'masters/shrinking.bin',
        file,
        partSize: MIN_PART_SIZE,
        partConcurrency: 1,
        // after the first part, as a careless process rewriting the file would
        onBytes: () => truncateSync(file, MIN_PART_SIZE + 1000),
      }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'UPLOAD_SOURCE_CHANGED');
        assert.match(error.message, /master\.bin changed while it was being uploaded/);
        return true;
      },
    );
    assert.deepEqual(await incompleteUploads(minio.client(), 'media'), []);
    await assert.rejects(minio.client().statObject('media', 'masters/shrinking.bin'), /Not Found|NoSuchKey/);
    assert.equal(readFileSync(file).length, MIN_PART_SIZE + 1000);
  });

  it('signs keys as operators name them (spaces, +, brackets, accents), by header and by presigned URL, for one PUT and for parts', async () => {
    const signer = signerOf(minio.client());
    for (const [key, size] of [
      ['masters/Evening News (2026) + extra!/épisode 1*.bin', 1024],
      ["masters/it's a+b=c;&d/part ü.bin", 2 * MIN_PART_SIZE + 1],
    ] as const) {
      writeFileSync(file, body.subarray(0, size));
      const result = await uploadFile({ signer, bucket: 'media', key, file, partSize: MIN_PART_SIZE });
      assert.equal(result.sha256, sha256(body.subarray(0, size)), key);
      const { size: stored } = await minio.client().statObject('media', key);
      assert.equal(stored, size, key);
      const url = await signer.presign({ method: 'GET', bucket: 'media', key, query: {} }, 60);
      const answer = await fetch(url);
      assert.equal(answer.status, 200, key);
      assert.equal(sha256(Buffer.from(await answer.arrayBuffer())), result.sha256, key);
    }
  });

  it('a presigned URL grants its one request only: not past its lifetime, not another key or method', async () => {
    const signer = signerOf(minio.client());
    await minio.client().putObject('media', 'granted.bin', Buffer.from('granted'));
    await minio.client().putObject('media', 'other.bin', Buffer.from('other'));
    const url = await signer.presign({ method: 'GET', bucket: 'media', key: 'granted.bin' }, 1);
    assert.equal(await (await fetch(url)).text(), 'granted');
    assert.equal((await fetch(url.replace('granted.bin', 'other.bin'))).status, 403);
    assert.equal((await fetch(url, { method: 'PUT', body: 'overwrite' })).status, 403);
    // a grant signed an hour ago for a minute (aws4 signs at the X-Amz-Date it is given)
    const hourAgo = new Date(Date.now() - 3600_000).toISOString().replace(/[:-]|\.\d{3}/g, '');
    const expired = await signer.presign({ method: 'GET', bucket: 'media', key: 'granted.bin', query: { 'X-Amz-Date': hourAgo } }, 60);
    const refused = await fetch(expired);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /expired/i);
  });

  it('a bit flipped on the way is refused by the store (its CRC32), the part sent again, the object stored whole', async () => {
    writeFileSync(file, body);
    let damaged = 0;
    const proxy = await startFaultProxy({ targetPort: minio.nodes[0]!.port, damageBody: () => damaged++ === 3 });
    try {
      const result = await uploadFile({
        signer: signerOf(minio.endpointClient(proxy.url)),
        bucket: 'media',
        key: 'masters/flipped-once.bin',
        file,
        partSize: MIN_PART_SIZE,
        partConcurrency: 1,
      });
      assert.ok(damaged > 3, 'a bit was flipped');
      assert.equal(result.sha256, sha256(body));
      const stored: Buffer[] = [];
      for await (const piece of await minio.client().getObject('media', 'masters/flipped-once.bin')) stored.push(piece as Buffer);
      assert.equal(sha256(Buffer.concat(stored)), sha256(body), 'what is stored is what was read');
    } finally {
      await proxy.close();
    }
  });

  it('a link that damages every part: UPLOAD_DAMAGED, worth another try, the multipart upload aborted, nothing stored', async () => {
    writeFileSync(file, body);
    const proxy = await startFaultProxy({ targetPort: minio.nodes[0]!.port, damageBody: () => true });
    try {
      await assert.rejects(
        uploadFile({
          signer: signerOf(minio.endpointClient(proxy.url)),
          bucket: 'media',
          key: 'masters/flipped-always.bin',
          file,
          partSize: MIN_PART_SIZE,
        }),
        (error: unknown) => {
          const failure = storageFailure(error, { alias: 'edge', path: 'edge/media/masters/flipped-always.bin' });
          assert.equal(failure.code, 'UPLOAD_DAMAGED');
          assert.equal(failure.retryable, true);
          assert.match(failure.message, /damaged on the way and not stored/);
          return true;
        },
      );
    } finally {
      await proxy.close();
    }
    assert.deepEqual(await incompleteUploads(minio.client(), 'media'), []);
    await assert.rejects(minio.client().statObject('media', 'masters/flipped-always.bin'), /Not Found|NoSuchKey/);
  });
});
