import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls until `probe` holds; fails naming `what` after `timeoutMs`. */
export async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await probe()); await sleep(25)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}

export interface WatchedRequests {
  /** Paths of the matching requests sent so far, in order. */
  asked: string[];
  /**
   * Waits until `n` matching requests were sent and answered, then `quietMs`
   * more: what a read-ahead that would not stop at `n` sends next, it sends
   * as soon as it has read the n-th answer.
   */
  settledAt(n: number, quietMs?: number): Promise<void>;
  stop(): void;
}

/** The HTTP requests this process sends whose path matches (node:http's diagnostics channels). */
export function watchRequests(match: (path: string) => boolean): WatchedRequests {
  const asked: string[] = [];
  let answered = 0;
  const onStart = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    if (match(request.path)) asked.push(request.path);
  };
  const onAnswer = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    if (match(request.path)) answered++;
  };
  diagnostics.subscribe('http.client.request.start', onStart);
  diagnostics.subscribe('http.client.response.finish', onAnswer);
  return {
    asked,
    settledAt: async (n, quietMs = 250) => {
      await until(`${n} requests answered (${asked.length} sent, ${answered} answered)`, () => asked.length >= n && answered >= n, 10_000);
      await sleep(quietMs);
    },
    stop: () => {
      diagnostics.unsubscribe('http.client.request.start', onStart);
      diagnostics.unsubscribe('http.client.response.finish', onAnswer);
    },
  };
}
