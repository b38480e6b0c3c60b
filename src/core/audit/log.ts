import { hash } from 'node:crypto';
import type { Db } from '../store/open.ts';
import { tableRows } from '../store/paging.ts';

export type AuditOutcome = 'success' | 'failure';

export interface AuditEntryInput {
  ts: string;
  actor: string;
  command: string;
  args: string[];
  target?: string | null;
  outcome: AuditOutcome;
  exitCode: number;
  durationMs: number;
  detail?: Record<string, unknown> | null;
}

export interface AuditEntry extends AuditEntryInput {
  id: number;
  prevHash: string;
  hash: string;
}

interface AuditRow {
  id: number;
  ts: string;
  actor: string;
  command: string;
  args: string;
  target: string | null;
  outcome: AuditOutcome;
  exit_code: number;
  duration_ms: number;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

const chained = (prevHash: string, canonical: string) => hash('sha256', `${prevHash}\n${canonical}`);

/** The hash covers the entry's id and every field, chained to the previous entry's hash. */
export function entryHash(prevHash: string, id: number, e: AuditEntryInput): string {
  const canonical = JSON.stringify([
    id,
    e.ts,
    e.actor,
    e.command,
    e.args,
    e.target ?? null,
    e.outcome,
    e.exitCode,
    e.durationMs,
    e.detail ?? null,
  ]);
  return chained(prevHash, canonical);
}

/**
 * The same hash from a stored row, its args and detail taken as the JSON text
 * they were stored as (exactly what entryHash serialised): verifying 100k
 * entries parses none of them.
 */
function rowHash(prevHash: string, row: AuditRow): string {
  const text = JSON.stringify;
  const canonical = `[${row.id},${text(row.ts)},${text(row.actor)},${text(row.command)},${row.args},${text(row.target ?? null)},${text(row.outcome)},${row.exit_code},${row.duration_ms},${row.detail ?? 'null'}]`;
  return chained(prevHash, canonical);
}

/**
 * Appends one entry. Call it inside the transaction that makes the change it
 * records; on its own it opens one. Every host appends under one lock, so
 * concurrent writers chain one after another and the chain never forks.
 */
export async function appendAudit(db: Db, input: AuditEntryInput): Promise<AuditEntry> {
  return db.transaction(async (tx) => {
    await tx.lock('audit');
    const head = await tx.get<{ last_id: number; last_hash: string }>('SELECT last_id, last_hash FROM audit_head');
    const prevHash = head?.last_hash ?? GENESIS_HASH;
    const id = Number(head?.last_id ?? 0) + 1;
    const hash = entryHash(prevHash, id, input);
    await insertEntry(tx, { ...input, id, prevHash, hash });
    await tx.run(
      `INSERT INTO audit_head (singleton, last_id, last_hash, entries) VALUES (1, ?, ?, 1)
       ON CONFLICT (singleton) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash, entries = audit_head.entries + 1`,
      [id, hash],
    );
    return { ...input, id, prevHash, hash };
  });
}

/** Stores an entry as it is (appending, or copying a chain from another store). */
export async function insertEntry(tx: Db, entry: AuditEntry): Promise<void> {
  await tx.run(
    `INSERT INTO audit_log (id, ts, actor, command, args, target, outcome, exit_code, duration_ms, detail, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      entry.id,
      entry.ts,
      entry.actor,
      entry.command,
      JSON.stringify(entry.args),
      entry.target ?? null,
      entry.outcome,
      entry.exitCode,
      entry.durationMs,
      entry.detail ? JSON.stringify(entry.detail) : null,
      entry.prevHash,
      entry.hash,
    ],
  );
}

function fromRow(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    ts: row.ts,
    actor: row.actor,
    command: row.command,
    args: JSON.parse(row.args) as string[],
    target: row.target,
    outcome: row.outcome,
    exitCode: row.exit_code,
    durationMs: row.duration_ms,
    detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : null,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface AuditQuery {
  since?: string;
  command?: string;
  /** Only entries older than this id: the next page after one that ended at it. */
  before?: number;
  limit?: number;
}

/** Newest first. `command` matches the command or any command under it ("endpoint" matches "endpoint add"). */
export async function listAudit(db: Db, query: AuditQuery = {}): Promise<AuditEntry[]> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (query.since) {
    where.push('ts >= ?');
    params.push(query.since);
  }
  if (query.command) {
    where.push('(command = ? OR command LIKE ?)');
    params.push(query.command, `${query.command} %`);
  }
  if (query.before !== undefined) {
    where.push('id < ?');
    params.push(query.before);
  }
  const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC ${query.limit ? 'LIMIT ?' : ''}`;
  if (query.limit) params.push(query.limit);
  return (await db.all<AuditRow>(sql, params)).map(fromRow);
}

export async function getAudit(db: Db, id: number): Promise<AuditEntry | undefined> {
  const row = await db.get<AuditRow>('SELECT * FROM audit_log WHERE id = ?', [id]);
  return row ? fromRow(row) : undefined;
}

/**
 * Oldest first, in storage order (SQLite's rowid, so a moved entry shows;
 * PostgreSQL has no stable storage order and goes by id), a page at a time.
 */
const auditRows = (db: Db) => tableRows<AuditRow>(db, 'audit_log', { order: db.dialect === 'sqlite' ? 'rowid' : 'id', page: 2000 });

export async function* iterateAudit(db: Db): AsyncGenerator<AuditEntry> {
  for await (const row of auditRows(db)) yield fromRow(row);
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** First entry where the chain breaks, with why. */
  brokenAt?: { id: number | null; position: number; reason: string };
}

/** Walks the chain in storage order: catches edited, deleted, inserted and reordered entries. */
export async function verifyAudit(db: Db): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let expectedId = 1;
  let position = 0;
  for await (const entry of auditRows(db)) {
    position++;
    const fail = (reason: string): AuditVerification => ({
      ok: false,
      entries: position - 1,
      brokenAt: { id: entry.id, position, reason },
    });
    if (entry.id !== expectedId) {
      return fail(
        entry.id > expectedId
          ? `entry ${expectedId} is missing (found ${entry.id} next)`
          : `entry ${entry.id} is out of order (expected ${expectedId})`,
      );
    }
    if (entry.prev_hash !== prevHash)
      return fail(
        `entry ${entry.id} does not follow entry ${entry.id - 1} (previous-hash mismatch: an entry before it was removed, replaced or moved)`,
      );
    if (rowHash(prevHash, entry) !== entry.hash) return fail(`entry ${entry.id} was modified after it was written (hash mismatch)`);
    prevHash = entry.hash;
    expectedId++;
  }
  const head = await db.get<{ last_id: number; last_hash: string; entries: number }>('SELECT last_id, last_hash, entries FROM audit_head');
  if (head && (head.last_id !== expectedId - 1 || head.last_hash !== prevHash || head.entries !== position)) {
    return {
      ok: false,
      entries: position,
      brokenAt: {
        id: head.last_id,
        position: position + 1,
        reason: `the log ends at entry ${expectedId - 1} but entry ${head.last_id} was the last written: entries were removed from the end`,
      },
    };
  }
  if (!head && position > 0)
    return { ok: false, entries: position, brokenAt: { id: null, position, reason: 'the chain head record was removed' } };
  return { ok: true, entries: position };
}
