import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryable } from './s3/errors.ts';

export interface RetryOptions {
  /** Attempts in all, the first included (default 4). */
  attempts?: number;
  /** Delay before the second attempt; doubled for each further one (default 1 s). */
  baseMs?: number;
  signal?: AbortSignal;
  /** Called before each new attempt with the failure that caused it. */
  onRetry?: (error: unknown, nextAttempt: number) => void;
  /** A number in [0, 1) for each wait (default Math.random; tests give their own). */
  random?: () => number;
  /** How a wait is waited (default a timer the signal cuts short; tests record it instead). */
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const timer = (ms: number, signal?: AbortSignal) => sleep(ms, undefined, signal ? { signal } : undefined).catch(() => undefined);

/**
 * The one retry policy: runs `fn` again with exponential back-off while its
 * failure is retryable (see `isRetryable`), up to `attempts`; anything else,
 * including failures this module does not know, is thrown at once. Each wait
 * is drawn at random up to its exponential bound ("full jitter"): a pool of
 * workers that lost a store together does not come back to it in lockstep.
 * (Not p-retry: on cancel it rejects with the signal's reason, even over a
 * result already won, where callers expect the failure being retried.)
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const baseMs = options.baseMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || options.signal?.aborted || !isRetryable(error)) throw error;
      options.onRetry?.(error, attempt + 1);
      await (options.wait ?? timer)((options.random ?? Math.random)() * baseMs * 2 ** (attempt - 1), options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}
