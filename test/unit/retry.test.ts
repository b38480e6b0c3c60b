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
        if (calls < 2) throw new MpegflowError('flaky', { code: 'STORAGE_BUSY', retryable: true });
        return 42;
      },
      { attempts: 3, baseMs: 5 },
    );
    assert.equal(value, 42);
  });
});

describe('retry waits', () => {
  const storeDown = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

  it('each wait is drawn at random up to its exponential bound (full jitter), from the random source given', async () => {
    const waits: number[] = [];
    const draws = [0.5, 0.25, 0.999];
    await failure(
      withRetry(() => Promise.reject(storeDown()), {
        attempts: 4,
        baseMs: 1000,
        random: () => draws.shift()!,
        wait: async (ms) => void waits.push(ms),
      }),
    );
    assert.deepEqual(waits, [500, 500, 3996]);
  });

  it('two workers failing together wait different times', async () => {
    const waitsOf = async (random: () => number) => {
      const waits: number[] = [];
      await failure(withRetry(() => Promise.reject(storeDown()), { attempts: 3, random, wait: async (ms) => void waits.push(ms) }));
      return waits;
    };
    assert.notDeepEqual(await waitsOf(() => 0.1), await waitsOf(() => 0.9));
  });
});
