import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentTypeFor } from '../../../src/core/s3/objects.ts';

describe('stored outputs', () => {
  it('knows the content type of each output', () => {
    assert.equal(contentTypeFor('720p/index.m3u8'), 'application/vnd.apple.mpegurl');
    assert.equal(contentTypeFor('720p/seg_00000.ts'), 'video/mp2t');
    assert.equal(contentTypeFor('x.bin'), 'application/octet-stream');
  });
});
