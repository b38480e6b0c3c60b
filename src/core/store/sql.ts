/**
 * The one interface every repository is written against. SQLite (one host)
 * and PostgreSQL (an encoder pool) implement it; queue, lease and audit
 * semantics live once, above it. Statements use `?` placeholders and SQL both
 * engines accept; the few real differences are the members below.
 */
export type SqlValue = string | number | null;

export type Dialect = 'sqlite' | 'postgres';

export interface Sql {
  readonly dialect: Dialect;
  /** Where the state lives, for messages: a file path, or a URL without its password. */
  readonly location: string;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /**
   * Runs `fn` in one transaction that writers take in turn (SQLite: BEGIN
   * IMMEDIATE; PostgreSQL: row locks and `lock`). A call inside a transaction
   * joins it.
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Milliseconds since the epoch by the store's clock: the database server's
   * for PostgreSQL (hosts drift; leases must be judged by one clock), this
   * host's for SQLite.
   */
  nowMs(): Promise<number>;
  /** Serialises one named critical section across every process sharing the store, until the transaction ends. */
  lock(name: string): Promise<void>;
  /** Appended to a SELECT that picks rows to claim: PostgreSQL locks them and other claimers skip them. */
  readonly claimLock: string;
  /** Appended to a SELECT of a row about to change: PostgreSQL locks it until the transaction ends. */
  readonly forUpdate: string;
  /** Waits until someone calls `notify(channel)` or `timeoutMs` passes, whichever is first; true when notified. */
  waitFor(channel: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  notify(channel: string): Promise<void>;
  close(): Promise<void>;
}

/** Rewrites `?` placeholders as `$1, $2 …` for PostgreSQL (our statements never hold a literal `?`). */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
