import { removeTempFolders } from '../core/temp-folders.ts';

/** What each command running under `untilInterrupted` does on the first signal. */
const stoppers = new Set<(signal: NodeJS.Signals) => void>();
let stopping = false;

/**
 * The first Ctrl-C (SIGINT) or SIGTERM stops the commands that stop
 * gracefully; a second one, or the first where none does, ends the process
 * as the signal's default action would, but without leaving temporary
 * folders behind (a spool of listed sources, a copy of the state file).
 */
function onSignal(signal: NodeJS.Signals): void {
  if (stoppers.size > 0 && !stopping) {
    stopping = true;
    for (const stop of stoppers) stop(signal);
    return;
  }
  removeTempFolders();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.kill(process.pid, signal);
}

/** Every command's: installed once, before it runs. */
export function handleSignals(): void {
  if (process.listeners('SIGINT').includes(onSignal)) return;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

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
  handleSignals();
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    onSignal?.(signal);
    controller.abort();
  };
  stoppers.add(stop);
  try {
    return await work(controller.signal);
  } finally {
    stoppers.delete(stop);
    if (stoppers.size === 0) stopping = false;
  }
}
