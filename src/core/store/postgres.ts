import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { postgresError } from './postgres-errors.ts';
import { numberedPlaceholders, type Sql, type SqlValue } from './sql.ts';

/**
 * A query the server does not answer in this time is given up, and TCP
 * keep-alive notices a vanished server: without them a server that froze, or
 * a link that drops packets without a reset, hung a command or a worker for
 * the kernel's quarter of an hour. Generous, for migrations of large tables.
 */
const QUERY_TIMEOUT_MS = 120_000;
const liveness = (queryTimeoutMs = QUERY_TIMEOUT_MS) => ({
  query_timeout: queryTimeoutMs,
  keepAlive: true,
  keepAliveInitialDelayMillis: 10_000,
});

/** The socket under a client (pg keeps it on its connection; not in its types). */
const socketOf = (client: pg.Client) => (client.connection as unknown as { stream?: { destroy(): void } }).stream;

const INT8 = 20;
/** Our integers (ids, byte counts, epoch milliseconds) stay far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** The URL as it may be shown: no password. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) if (/pass/i.test(key)) parsed.searchParams.set(key, '***');
    return parsed.toString();
  } catch {
    return 'the database named by MPEGFLOW_DATABASE_URL';
  }
}

/**
 * pg checks the server's certificate for sslmode require, prefer and
 * verify-ca exactly as for verify-full, and warns on stderr at every connection
 * that a later pg will not; MpegFlow keeps checking, so it asks for verify-full
 * by name.
 */
export function verifyingConnectionString(url: string): string {
  try {
    const parsed = new URL(url);
    const mode = parsed.searchParams.get('sslmode');
    if (mode !== 'require' && mode !== 'prefer' && mode !== 'verify-ca') return url;
    parsed.searchParams.set('sslmode', 'verify-full');
    return parsed.toString();
  } catch {
    return url;
  }
}

type Queryable = Pick<pg.PoolClient, 'query'>;

class PgStatements {
  readonly dialect = 'postgres' as const;
  readonly claimLock = ' FOR UPDATE SKIP LOCKED';
  readonly forUpdate = ' FOR UPDATE';
  readonly location: string;
  protected readonly target: Queryable;
  protected readonly clock: (dbNowMs: number) => number;

  constructor(target: Queryable, location: string, clock: (dbNowMs: number) => number) {
    this.target = target;
    this.location = location;
    this.clock = clock;
  }

  protected async query<T>(sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
    try {
      return await this.target.query<T & pg.QueryResultRow>(numberedPlaceholders(sql), params as SqlValue[]);
    } catch (error) {
      throw postgresError(this.location, error);
    }
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.query<T>(sql, params)).rows;
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return (await this.query<T>(sql, params)).rows[0];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return { changes: (await this.query(sql, params)).rowCount ?? 0 };
  }

  async nowMs(): Promise<number> {
    const row = await this.get<{ ms: number }>('SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint AS ms');
    return this.clock(row!.ms);
  }

  /** A transaction-scoped advisory lock: released at COMMIT or ROLLBACK, or when the connection dies. */
  async lock(name: string): Promise<void> {
    await this.query('SELECT pg_advisory_xact_lock(hashtext(?))', [`mpegflow:${name}`]);
  }

  async notify(channel: string): Promise<void> {
    await this.query('SELECT pg_notify(?, ?)', [channel, '']);
  }
}

class PgTransaction extends PgStatements implements Sql {
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return fn(this);
  }

  waitFor(): Promise<boolean> {
    return Promise.reject(new Error('waitFor inside a transaction'));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * PostgreSQL behind the async `Sql` interface: a small pool, row locks for
 * claims, advisory locks for the audit chain, the server's clock for leases,
 * LISTEN/NOTIFY to wake idle workers. The pool reconnects by itself once the
 * server is back.
 */
export class PostgresSql extends PgStatements implements Sql {
  readonly #pool: pg.Pool;
  #listener?: Promise<pg.Client | undefined>;
  readonly #listening = new Set<string>();
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #connections = new Set<pg.Client>();
  readonly #queryTimeoutMs?: number;

  constructor(url: string, options: { clock?: (dbNowMs: number) => number; max?: number; queryTimeoutMs?: number } = {}) {
    const pool = new pg.Pool({
      connectionString: verifyingConnectionString(url),
      max: options.max ?? 4,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 10_000,
      application_name: 'mpegflow',
      types,
      ...liveness(options.queryTimeoutMs),
    });
    // an idle client losing its server (a restart) must not crash the process; the next query reconnects
    pool.on('error', () => undefined);
    super(pool, redactDatabaseUrl(url), options.clock ?? ((t) => t));
    this.#pool = pool;
    this.#queryTimeoutMs = options.queryTimeoutMs;
    // until their sockets end: one the pool has let go may still be waiting on a frozen server
    pool.on('connect', (client) => {
      this.#connections.add(client);
      client.once('end', () => this.#connections.delete(client));
    });
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw postgresError(this.location, error);
    }
    let broken = false;
    try {
      const tx = new PgTransaction(client, this.location, this.clock);
      await tx.run('BEGIN');
      const result = await fn(tx);
      await tx.run('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      // the statements name their own failures; anything else is the caller's (a failed publish), as on SQLite
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async #listenClient(): Promise<pg.Client | undefined> {
    this.#listener ??= (async () => {
      const client = new pg.Client({
        connectionString: this.#pool.options.connectionString,
        types,
        connectionTimeoutMillis: 10_000,
        ...liveness(this.#queryTimeoutMs),
      });
      client.on('error', () => {
        this.#listener = undefined;
        this.#listening.clear();
      });
      client.on('notification', (message) => {
        for (const wake of this.#waiters.get(message.channel) ?? []) wake();
      });
      try {
        await client.connect();
        return client;
      } catch {
        this.#listener = undefined;
        return undefined;
      }
    })();
    return this.#listener;
  }

  /** LISTEN on a dedicated connection; without one (the server is down) this is a plain bounded wait. */
  async waitFor(channel: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const client = await this.#listenClient();
    if (client && !this.#listening.has(channel)) {
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`).then(
        () => this.#listening.add(channel),
        () => undefined,
      );
    }
    return new Promise<boolean>((resolve) => {
      const waiters = this.#waiters.get(channel) ?? new Set<() => void>();
      this.#waiters.set(channel, waiters);
      const finish = (notified: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        waiters.delete(wake);
        resolve(notified);
      };
      const wake = () => finish(true);
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      waiters.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Ends the connections; bounded, so that a connection stuck on a dead server never keeps the process alive. */
  async close(): Promise<void> {
    const listener = await this.#listener?.catch(() => undefined);
    const clients = [...this.#connections, ...(listener ? [listener] : [])];
    // the pool says it has ended as soon as it has let its clients go, not when their sockets have closed
    const socketsClosed = Promise.all(clients.map((client) => new Promise((resolve) => client.once('end', resolve))));
    void listener?.end().catch(() => undefined);
    void this.#pool.end().catch(() => undefined);
    // unref'd: once the connections have ended, the bound must not keep the process alive for its 5 s
    const closed = await Promise.race([socketsClosed.then(() => true), sleep(5_000, false, { ref: false })]);
    // a server that stopped answering never closes them: their sockets would hold the process open
    if (!closed) for (const client of clients) socketOf(client)?.destroy();
  }
}
