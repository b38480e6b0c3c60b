/**
 * Runs `tick` every `ms`, one at a time, and stops so that no tick is still
 * running afterwards: a heartbeat in flight when a worker ends would
 * otherwise meet a closed database and report the store unreachable.
 */
export function every(ms: number, tick: () => Promise<void>): { stop: () => Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = tick().finally(() => (busy = false));
  }, ms);
  return {
    stop: async () => {
      clearInterval(timer);
      await running.catch(() => undefined);
    },
  };
}
