import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rateLimiter } from '../../../src/core/broker/rate-limit.ts';

describe('the broker rate limit (a token bucket per worker host)', () => {
  it('takes a burst, then asks each host to wait as long as its bucket needs to refill, and leaves the other hosts alone', () => {
    let now = 0;
    const limiter = rateLimiter({ perSecond: 2, burst: 4 }, () => now);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => limiter.take('enc1')),
      [0, 0, 0, 0],
      'the burst',
    );
    assert.equal(limiter.take('enc1'), 1, 'then Retry-After: 1 s (half a second to the next token, rounded up)');
    assert.equal(limiter.take('enc2'), 0, 'another host is not slowed');
    now += 500;
    assert.equal(limiter.take('enc1'), 0, 'a token came back after half a second at 2 a second');
    assert.equal(limiter.take('enc1'), 1);
    now += 60_000;
    assert.deepEqual(
      [1, 2, 3, 4, 5].map(() => limiter.take('enc1')),
      [0, 0, 0, 0, 1],
      'an idle host gets its burst back, and no more',
    );
  });
});
