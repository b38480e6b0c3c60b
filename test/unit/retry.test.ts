import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createS3Client } from '../../src/core/s3/client.ts';
import { MpegflowError } from '../../src/core/errors.ts';
import { withRetry } from '../../src/core/retry.ts';
import { freePort } from '../support/minio.ts';

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('the one retry policy', () => {
  it('retries retryable failures with back-off, and nothing else', async () => {
    const closed = await freePort();
    const client = createS3Client({
      name: 'test',
      url: `http://127.0.0.1:${closed}`,
      region: 'us-east-1',
      caCert: null,
      accessKey: 'a',
      secretKey: 'b',
    });
    let calls = 0;
    const retried: number[] = [];
    const raw = await failure(
      withRetry(
        () => {
          calls++;
          return client.listBuckets();
        },
        { attempts: 3, baseMs: 5, onRetry: (_e, next) => retried.push(next) },
      ),
    );
    assert.equal((raw as { code?: string }).code, 'ECONNREFUSED');
    assert.equal(calls, 3);
    assert.deepEqual(retried, [2, 3]);

    calls = 0;
    await failure(
      withRetry(
        () => {
          calls++;
          return Promise.reject(new Error('a failure nobody classified'));
        },
        { attempts: 3, baseMs: 5 },
      ),
    );
    assert.equal(calls, 1, 'an unknown failure is not retried');

    calls = 0;
    const value = await withRetry(
      async () => {
        calls++;
        if (calls < 2) throw new MpegflowError('flaky', { code: 'X', retryable: true });
        return 42;
      },
      { attempts: 3, baseMs: 5 },
    );
    assert.equal(value, 42);
  });
});
