export type OutageEvent = { type: 'store-unavailable'; error: string } | { type: 'store-back'; downMs: number };

/**
 * A state store that is down fails every heartbeat, lease renewal and log
 * flush of a worker: this tells of the outage when it starts, again at most
 * every `remindMs` while it lasts, and once when the store answers again.
 */
export class StoreOutage {
  readonly #tell: (event: OutageEvent) => void;
  readonly #remindMs: number;
  readonly #now: () => number;
  #since: number | null = null;
  #toldAt: number | null = null;

  constructor(tell: (event: OutageEvent) => void, { remindMs = 60_000, now = Date.now }: { remindMs?: number; now?: () => number } = {}) {
    this.#tell = tell;
    this.#remindMs = remindMs;
    this.#now = now;
  }

  failed(error: string): void {
    const now = this.#now();
    this.#since ??= now;
    if (this.#toldAt !== null && now - this.#toldAt < this.#remindMs) return;
    this.#toldAt = now;
    this.#tell({ type: 'store-unavailable', error });
  }

  answered(): void {
    if (this.#since === null) return;
    const downMs = this.#now() - this.#since;
    this.#since = null;
    this.#toldAt = null;
    this.#tell({ type: 'store-back', downMs });
  }
}
