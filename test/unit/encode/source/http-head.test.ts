import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeadReader, HeadTooLarge } from '../../../../src/core/encode/source/http-head.ts';

describe('reading an HTTP head off a socket', () => {
  it('waits for the blank line, even when it straddles two reads, and returns what follows it untouched', () => {
    const reader = new HeadReader();
    assert.equal(reader.push(Buffer.from('HTTP/1.1 206 Partial Content\r\nContent-Length: 4\r\nX-Amz-Meta-A: 1\r')), undefined);
    assert.equal(reader.push(Buffer.from('\nx-amz-meta-a: 2\r\n\r')), undefined);
    const read = reader.push(Buffer.from('\n\x00\x01\r\n'));
    assert.ok(read);
    assert.deepEqual(read.head.start, ['HTTP/1.1', '206', 'Partial Content']);
    assert.equal(read.head.headers.get('content-length'), '4');
    assert.equal(read.head.headers.get('x-amz-meta-a'), '1, 2', 'a repeated header, joined');
    assert.deepEqual([...read.rest], [0, 1, 13, 10]);
  });

  it('reads a request line and a status line without a reason phrase', () => {
    const request = new HeadReader().push(Buffer.from('GET /tok/clip.mp4 HTTP/1.1\r\nRange: bytes=10-\r\n\r\n'));
    assert.deepEqual(request?.head.start, ['GET', '/tok/clip.mp4', 'HTTP/1.1']);
    assert.equal(request?.head.headers.get('range'), 'bytes=10-');
    assert.deepEqual(new HeadReader().push(Buffer.from('HTTP/1.1 200\r\n\r\n'))?.head.start, ['HTTP/1.1', '200', '']);
  });

  it('refuses a head larger than any ffmpeg or a store sends, instead of holding it', () => {
    const reader = new HeadReader();
    assert.throws(() => {
      for (let i = 0; i < 100; i++) reader.push(Buffer.alloc(1024, 'a'));
    }, HeadTooLarge);
  });
});
