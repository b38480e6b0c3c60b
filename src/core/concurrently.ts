import pLimit from 'p-limit';

/**
 * Runs `task` for every item, at most `limit` at once. The first failure is
 * thrown, and tasks not yet started are not started (p-limit alone would
 * run them all).
 */
export async function eachAtMost<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const run = pLimit(Math.max(1, limit));
  await Promise.all(items.map((item) => run(() => task(item)))).catch((error: unknown) => {
    run.clearQueue();
    throw error;
  });
}
