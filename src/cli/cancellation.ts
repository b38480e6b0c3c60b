/**
 * Runs `work` with a signal that Ctrl-C (SIGINT) or SIGTERM aborts, so that
 * ffmpeg is stopped, unfinished uploads are aborted and running jobs go back
 * to the queue, instead of the process dying half-way. `onSignal` hears which
 * signal came, before the abort.
 */
export async function untilInterrupted<R>(
  work: (signal: AbortSignal) => Promise<R>,
  onSignal?: (signal: NodeJS.Signals) => void,
): Promise<R> {
  const controller = new AbortController();
  const interrupt = (signal: NodeJS.Signals) => {
    onSignal?.(signal);
    controller.abort();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}
