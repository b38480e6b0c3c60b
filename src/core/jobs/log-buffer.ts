import type { LogEntry } from './model.ts';
import { LOG_LINES_KEPT } from './queue.ts';

/**
 * A running job's log lines on their way to the store: written in order, one
 * flush at a time, a failed flush's lines put back ahead of newer ones. While
 * the store is away, only as many lines are held as it keeps of a job's log:
 * memory does not grow with the outage.
 */
export class JobLogBuffer {
  #pending: LogEntry[] = [];
  #flushing: Promise<void> = Promise.resolve();
  readonly #write: (lines: LogEntry[]) => Promise<void>;
  readonly #onError: (error: unknown) => void;
  readonly #keep: number;

  constructor(write: (lines: LogEntry[]) => Promise<void>, onError: (error: unknown) => void, keep = LOG_LINES_KEPT) {
    this.#write = write;
    this.#onError = onError;
    this.#keep = keep;
  }

  add(line: string, at: Date = new Date()): void {
    this.#pending.push({ ts: at.toISOString(), line });
    this.#trim();
  }

  /** Writes what is held, after any flush under way (a failure is reported, and the lines kept for the next). */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#flushOnce());
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    const lines = this.#pending.splice(0);
    if (lines.length === 0) return;
    try {
      await this.#write(lines);
    } catch (error) {
      this.#pending.unshift(...lines);
      this.#trim();
      this.#onError(error);
    }
  }

  #trim(): void {
    if (this.#pending.length > this.#keep) this.#pending.splice(0, this.#pending.length - this.#keep);
  }
}
