/**
 * A token bucket per worker host: `perSecond` requests on average, `burst` at once. A worker that asks
 * faster (a bug, or a host that is not what it claims) is told to wait, and the others are not slowed.
 */
export function rateLimiter({ perSecond, burst }: { perSecond: number; burst: number }, now: () => number = Date.now) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Seconds to wait before the next request of `who` is taken; 0 takes this one. */
    take(who: string): number {
      const ms = now();
      const bucket = buckets.get(who) ?? { tokens: burst, at: ms };
      bucket.tokens = Math.min(burst, bucket.tokens + ((ms - bucket.at) / 1000) * perSecond);
      bucket.at = ms;
      buckets.set(who, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.ceil((1 - bucket.tokens) / perSecond);
    },
  };
}
