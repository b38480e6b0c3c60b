import { createHash } from 'node:crypto';
import type { Db } from '../store/open.ts';

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
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

/**
 * Appends one entry. Call it inside the transaction that makes the change it
 * records; on its own it opens an IMMEDIATE transaction so that concurrent
 * writers chain one after another.
 */
export function appendAudit(db: Db, input: AuditEntryInput): AuditEntry {
  const append = (): AuditEntry => {
    const head = db
      .prepare<[], { last_id: number; last_hash: string; entries: number }>('SELECT last_id, last_hash, entries FROM audit_head')
      .get();
    const prevHash = head?.last_hash ?? GENESIS_HASH;
    const id = (head?.last_id ?? 0) + 1;
    const hash = entryHash(prevHash, id, input);
    db.prepare(
      `INSERT INTO audit_log (id, ts, actor, command, args, target, outcome, exit_code, duration_ms, detail, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      input.ts,
      input.actor,
      input.command,
      JSON.stringify(input.args),
      input.target ?? null,
      input.outcome,
      input.exitCode,
      input.durationMs,
      input.detail ? JSON.stringify(input.detail) : null,
      prevHash,
      hash,
    );
    db.prepare(
      `INSERT INTO audit_head (singleton, last_id, last_hash, entries) VALUES (1, ?, ?, 1)
       ON CONFLICT (singleton) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash, entries = entries + 1`,
    ).run(id, hash);
    return { ...input, id, prevHash, hash };
  };
  return db.inTransaction ? append() : db.transaction(append).immediate();
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
  limit?: number;
}

/** Newest first. `command` matches the command or any command under it ("endpoint" matches "endpoint add"). */
export function listAudit(db: Db, query: AuditQuery = {}): AuditEntry[] {
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
  const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC ${query.limit ? 'LIMIT ?' : ''}`;
  if (query.limit) params.push(query.limit);
  return db
    .prepare<(string | number)[], AuditRow>(sql)
    .all(...params)
    .map(fromRow);
}

export function getAudit(db: Db, id: number): AuditEntry | undefined {
  const row = db.prepare<[number], AuditRow>('SELECT * FROM audit_log WHERE id = ?').get(id);
  return row ? fromRow(row) : undefined;
}

/** Oldest first, in chain order, without loading the whole log at once. */
export function* iterateAudit(db: Db): Generator<AuditEntry> {
  for (const row of db.prepare<[], AuditRow>('SELECT * FROM audit_log ORDER BY rowid').iterate()) yield fromRow(row);
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** First entry where the chain breaks, with why. */
  brokenAt?: { id: number | null; position: number; reason: string };
}

/** Walks the chain in storage order: catches edited, deleted, inserted and reordered entries. */
export function verifyAudit(db: Db): AuditVerification {
  let prevHash = GENESIS_HASH;
  let expectedId = 1;
  let position = 0;
  for (const entry of iterateAudit(db)) {
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
    if (entry.prevHash !== prevHash)
      return fail(
        `entry ${entry.id} does not follow entry ${entry.id - 1} (previous-hash mismatch: an entry before it was removed, replaced or moved)`,
      );
    if (entryHash(prevHash, entry.id, entry) !== entry.hash)
      return fail(`entry ${entry.id} was modified after it was written (hash mismatch)`);
    prevHash = entry.hash;
    expectedId++;
  }
  const head = db
    .prepare<[], { last_id: number; last_hash: string; entries: number }>('SELECT last_id, last_hash, entries FROM audit_head')
    .get();
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
