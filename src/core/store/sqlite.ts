import { EventEmitter, on } from 'node:events';
import type Database from 'better-sqlite3';
import type { Sql, SqlValue } from './sql.ts';
import { storeError } from './sqlite-errors.ts';

/** Prepared statements kept per connection (the queries are a fixed set; batches add a few sizes). */
const STATEMENTS_KEPT = 64;

/**
 * SQLite behind the async `Sql` interface. One connection per process: a
 * transaction holds an in-process mutex as well as SQLite's write lock, so
 * statements of other async tasks (a heartbeat) wait for it instead of
 * landing inside it. Other processes wait on SQLite's busy timeout.
 */
export class SqliteSql implements Sql {
  readonly dialect = 'sqlite' as const;
  readonly location: string;
  readonly claimLock = '';
  readonly forUpdate = '';
  readonly #db: Database.Database;
  readonly #clock: (hostNowMs: number) => number;
  #queue: Promise<void> = Promise.resolve();
  readonly #joined: boolean;
  /** Same-process notifications only: SQLite has no server to carry them between hosts. */
  readonly #events: EventEmitter;
  readonly #statements: Map<string, Database.Statement>;

  constructor(db: Database.Database, location: string, clock?: (hostNowMs: number) => number, parent?: SqliteSql) {
    this.#db = db;
    this.location = location;
    this.#clock = clock ?? ((t) => t);
    this.#joined = Boolean(parent);
    this.#events = parent ? parent.#events : new EventEmitter();
    this.#statements = parent ? parent.#statements : new Map();
  }

  get raw(): Database.Database {
    return this.#db;
  }

  /** Statements outside a transaction wait for the one in progress; SQLite's failures (read-only, locked, full) are said plainly. */
  async #exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.#joined) return this.#mapped(fn);
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await this.#mapped(fn);
    } finally {
      release();
    }
  }

  async #mapped<T>(fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      throw /^SQLITE_(READONLY|BUSY|LOCKED|FULL|CORRUPT|NOTADB|IOERR|CANTOPEN)/.test(code) ? storeError(this.location, error) : error;
    }
  }

  /** Compiled once per connection: a 500-row INSERT costs more to parse than to run. */
  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      if (this.#statements.size >= STATEMENTS_KEPT) this.#statements.delete(this.#statements.keys().next().value!);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.#exclusive(() => this.#prepare(sql).all(...params) as T[]);
  }

  get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.#exclusive(() => this.#prepare(sql).get(...params) as T | undefined);
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return this.#exclusive(() => ({ changes: this.#prepare(sql).run(...params).changes }));
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.#joined) return fn(this);
    return this.#exclusive(async () => {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(new SqliteSql(this.#db, this.location, this.#clock, this));
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  nowMs(): Promise<number> {
    return Promise.resolve(this.#clock(Date.now()));
  }

  /** BEGIN IMMEDIATE already serialises every writer. */
  lock(): Promise<void> {
    return Promise.resolve();
  }

  async waitFor(channel: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      for await (const _ of on(this.#events, channel, { signal: both })) return true;
    } catch {
      // timed out or aborted
    }
    return false;
  }

  notify(channel: string): Promise<void> {
    this.#events.emit(channel);
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    return Promise.resolve();
  }
}
