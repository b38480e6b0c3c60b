import type { WorkerResult } from './worker.ts';

/** A worker run fails (exit 1) when a job it ran failed. Light on purpose: the command reads it without loading the worker. */
export function workerExitCode(result: WorkerResult): number {
  return result.jobs.some((j) => j.state === 'failed') ? 1 : 0;
}
