import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createS3Client } from '../../src/core/s3/client.ts';
import { MpegflowError } from '../../src/core/errors.ts';
import { backoffWait, withRetry } from '../../src/core/retry.ts';
import { jobBackoffMs } from '../../src/core/jobs/queue.ts';
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

describe('backoffWait and the job back-off', () => {
  it('draws each wait up to its doubling bound, capped; a floor keeps a share of it', () => {
    const at = (r: number) => () => r;
    assert.deepEqual(
      [1, 2, 3, 4].map((attempt) => backoffWait(attempt, { baseMs: 500, capMs: 3000, random: at(0.5) })),
      [250, 500, 1000, 1500],
    );
    assert.equal(backoffWait(1, { baseMs: 1000, random: at(0) }), 0, 'full jitter may not wait at all');
    assert.equal(backoffWait(1, { baseMs: 1000, floor: 0.5, random: at(0) }), 500);
    assert.equal(backoffWait(1, { baseMs: 1000, floor: 0.5, random: at(0.999) }), 999.5);
  });

  it('spreads the jobs one outage failed together, each between half its bound and the bound', () => {
    const waits = Array.from({ length: 200 }, () => jobBackoffMs(2));
    assert.ok(waits.every((w) => Number.isInteger(w) && w >= 30_000 && w <= 60_000));
    assert.ok(new Set(waits.map((w) => Math.round(w / 1000))).size > 10, 'not in lockstep');
    assert.equal(
      jobBackoffMs(10, 30_000, () => 0.999_999),
      Math.round(15 * 60_000 * (0.5 + 0.5 * 0.999_999)),
      'capped at 15 minutes, in whole milliseconds (an integer column)',
    );
  });
});
