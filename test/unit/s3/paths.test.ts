import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MpegflowError } from '../../../src/core/errors.ts';
import { checkObjectPath } from '../../../src/core/s3/paths.ts';

describe('object paths refused before any request', () => {
  it('".." and "." segments, invalid bucket names: usage errors (exit 2) naming the alias and the path', () => {
    for (const [bucket, key, code] of [
      ['media', '../etc/passwd', 'INVALID_OBJECT_KEY'],
      ['media', 'a/./b.mov', 'INVALID_OBJECT_KEY'],
      ['media', 'a/..', 'INVALID_OBJECT_KEY'],
      ['Bad_Bucket', 'clip.mov', 'INVALID_BUCKET_NAME'],
      ['ab', 'clip.mov', 'INVALID_BUCKET_NAME'],
      ['192.168.1.1', 'clip.mov', 'INVALID_BUCKET_NAME'],
    ] as const) {
      const error = (() => {
        try {
          checkObjectPath('m', bucket, key);
        } catch (e) {
          return e as MpegflowError;
        }
        throw new Error(`accepted ${bucket}/${key}`);
      })();
      assert.equal(error.code, code);
      assert.equal(error.exitCode, 2);
      assert.ok(error.message.includes(`m/${bucket}/${key}`), error.message);
    }
    assert.doesNotThrow(() => checkObjectPath('m', 'media', 'a/b..c/clip.mov'));
    assert.doesNotThrow(() => checkObjectPath('m', 'media', ''));
  });
});
