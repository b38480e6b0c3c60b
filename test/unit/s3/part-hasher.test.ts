import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { PartHasher } from '../../../src/core/s3/part-hasher.ts';

const shared = (text: string) => {
  const buffer = new SharedArrayBuffer(64);
  Buffer.from(buffer).write(text);
  return { buffer, length: Buffer.byteLength(text) };
};

describe('PartHasher', () => {
  it("gives each part's CRC32 and the sha256 of the parts in order", async () => {
    const hasher = new PartHasher();
    try {
      const a = shared('first part, ');
      const b = shared('second part');
      const first = hasher.part(a.buffer, a.length);
      assert.equal(await first.crc32, crc32('first part, '));
      await first.hashed;
      const second = hasher.part(b.buffer, b.length);
      assert.equal(await second.crc32, crc32('second part'));
      await second.hashed;
      assert.equal(await hasher.sha256(), createHash('sha256').update('first part, second part').digest('hex'));
    } finally {
      await hasher.close();
    }
  });

  it('a thread that stops fails what waits on it, and what comes after: nothing hangs', async () => {
    const hasher = new PartHasher();
    const part = shared('x'.repeat(64));
    const waiting = hasher.part(part.buffer, part.length);
    await hasher.close();
    await assert.rejects(
      Promise.all([waiting.crc32, waiting.hashed]).then(() => hasher.sha256()),
      /hashing thread stopped/,
    );
    await assert.rejects(hasher.part(part.buffer, part.length).crc32, /hashing thread stopped/);
  });
});
