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
}

/**
 * The one retry policy: runs `fn` again with exponential back-off while its
 * failure is retryable (see `isRetryable`), up to `attempts`; anything else,
 * including failures this module does not know, is thrown at once.
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
      await sleep(baseMs * 2 ** (attempt - 1), undefined, options.signal ? { signal: options.signal } : undefined).catch(() => undefined);
      if (options.signal?.aborted) throw error;
    }
  }
}
