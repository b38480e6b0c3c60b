import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryable } from './s3/errors.ts';

/** How long to wait between attempts: up to `baseMs` before the second, doubling for each further one, up to `capMs`. */
export interface Backoff {
  baseMs: number;
  capMs?: number;
  /** Of each wait, the share that is always waited (default 0: "full jitter", the whole wait drawn at random). */
  floor?: number;
  /** A number in [0, 1) for each wait (default Math.random; tests give their own). */
  random?: () => number;
}

/**
 * The wait after failed attempt `attempt` (1 for the first): drawn at random
 * up to its exponential bound, so a pool of workers that lost a store
 * together does not come back to it in lockstep.
 */
export function backoffWait(attempt: number, { baseMs, capMs = Infinity, floor = 0, random = Math.random }: Backoff): number {
  const bound = Math.min(baseMs * 2 ** (attempt - 1), capMs);
  return bound * (floor + (1 - floor) * random());
}

export interface RetryOptions {
  /** Attempts in all, the first included (default 4; Infinity: until it goes through or is cancelled). */
  attempts?: number;
  /** Delay before the second attempt; doubled for each further one (default 1 s). */
  baseMs?: number;
  /** The longest wait (default: none). */
  capMs?: number;
  /** Which failures are worth another attempt (default isRetryable: what the error says of itself). */
  retryIf?: (error: unknown) => boolean;
  signal?: AbortSignal;
  /** Called before each new attempt with the failure that caused it. */
  onRetry?: (error: unknown, nextAttempt: number) => void;
  random?: () => number;
  /** How a wait is waited (default a timer the signal cuts short; tests record it instead). */
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const timer = (ms: number, signal?: AbortSignal) => sleep(ms, undefined, signal ? { signal } : undefined).catch(() => undefined);

/**
 * The one retry policy: runs `fn` again with exponential back-off while its
 * failure is retryable (see `isRetryable`, or `retryIf`), up to `attempts`;
 * anything else, including failures this module does not know, is thrown at
 * once. Each wait is drawn at random up to its bound (backoffWait).
 * (Not p-retry: on cancel it rejects with the signal's reason, even over a
 * result already won, where callers expect the failure being retried.)
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const backoff = { baseMs: options.baseMs ?? 1000, capMs: options.capMs, random: options.random };
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || options.signal?.aborted || !(options.retryIf ?? isRetryable)(error)) throw error;
      options.onRetry?.(error, attempt + 1);
      await (options.wait ?? timer)(backoffWait(attempt, backoff), options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}
