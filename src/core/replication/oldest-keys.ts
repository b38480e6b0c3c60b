export interface AgedKey {
  key: string;
  lastModified: string;
}

/**
 * The `limit` oldest keys seen so far, in constant memory however many are
 * offered: a walk over millions of objects keeps only these.
 */
export class OldestKeys {
  readonly #limit: number;
  readonly #kept: { key: string; at: number }[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  offer(key: string, at: number): void {
    if (this.#kept.length === this.#limit && at >= this.#kept[this.#kept.length - 1]!.at) return;
    const index = this.#kept.findIndex((k) => k.at > at);
    this.#kept.splice(index === -1 ? this.#kept.length : index, 0, { key, at });
    if (this.#kept.length > this.#limit) this.#kept.pop();
  }

  list(): AgedKey[] {
    return this.#kept.map((k) => ({ key: k.key, lastModified: new Date(k.at).toISOString() }));
  }
}
