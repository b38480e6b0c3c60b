import { setTimeout as sleep } from 'node:timers/promises';
import { untilInterrupted } from './cancellation.ts';

/**
 * Runs `round` every `intervalMs` (start to start) and shows each result,
 * until Ctrl-C or SIGTERM; a round under way is finished, and the last result
 * is returned so that the command reports it and exits with its status.
 */
export function refreshUntilStopped<R>(round: () => Promise<R>, intervalMs: number, show: (result: R) => void): Promise<R> {
  return untilInterrupted(async (signal) => {
    let last: R | undefined;
    while (!signal.aborted || last === undefined) {
      const started = Date.now();
      last = await round();
      show(last);
      await sleep(Math.max(0, intervalMs - (Date.now() - started)), undefined, { signal }).catch(() => undefined);
    }
    return last;
  });
}
