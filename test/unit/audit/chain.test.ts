import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { AuditContext } from '../../../src/core/audit/context.ts';
import { appendAudit, listAudit, verifyAudit } from '../../../src/core/audit/log.ts';
import type { Db } from '../../../src/core/store/open.ts';
import { freshStores } from '../../support/store.ts';

describe('audit chain', () => {
  const nextStore = freshStores();
  let db: Db;

  beforeEach(() => {
    db = nextStore();
    for (let i = 0; i < 5; i++) {
      new AuditContext(i % 2 ? 'endpoint add' : 'endpoint remove', [`e${i}`, '--secret-key', 'hunter2hunter2'], {
        actor: 'ops@host',
      }).record(db, { target: `e${i}` });
    }
  });

  it('verifies an untouched chain', () => {
    assert.deepEqual(await verifyAudit(db), { ok: true, entries: 5 });
  });

  it('never stores secret flag values', () => {
    for (const entry of await listAudit(db)) assert.ok(!entry.args.includes('hunter2hunter2'), entry.args.join(' '));
  });

  it('catches an edited field', () => {
    db.prepare("UPDATE audit_log SET outcome = 'failure' WHERE id = 3").run();
    const result = await verifyAudit(db);
    assert.equal(result.ok, false);
    assert.equal(result.brokenAt?.id, 3);
    assert.match(result.brokenAt!.reason, /modified/);
  });

  it('catches edited arguments', () => {
    db.prepare("UPDATE audit_log SET args = '[]' WHERE id = 2").run();
    assert.equal(await verifyAudit(db).brokenAt?.id, 2);
  });

  it('catches a deleted entry in the middle', () => {
    db.prepare('DELETE FROM audit_log WHERE id = 2').run();
    const result = await verifyAudit(db);
    assert.equal(result.ok, false);
    assert.equal(result.brokenAt?.id, 3);
    assert.match(result.brokenAt!.reason, /entry 2 is missing/);
  });

  it('catches entries removed from the end', () => {
    db.prepare('DELETE FROM audit_log WHERE id >= 4').run();
    const result = await verifyAudit(db);
    assert.equal(result.ok, false);
    assert.match(result.brokenAt!.reason, /removed from the end/);
  });

  it('catches reordered entries (ids swapped)', () => {
    db.transaction(() => {
      db.prepare('UPDATE audit_log SET id = -2 WHERE id = 2').run();
      db.prepare('UPDATE audit_log SET id = 2 WHERE id = 4').run();
      db.prepare('UPDATE audit_log SET id = 4 WHERE id = -2').run();
    })();
    const result = await verifyAudit(db);
    assert.equal(result.ok, false);
    assert.equal(result.brokenAt?.id, 2);
  });

  it('catches reordered entries (contents swapped, ids kept)', () => {
    const cols = 'ts, actor, command, args, target, outcome, exit_code, duration_ms, detail, prev_hash, hash';
    const a = db.prepare(`SELECT ${cols} FROM audit_log WHERE id = 2`).get() as Record<string, unknown>;
    const b = db.prepare(`SELECT ${cols} FROM audit_log WHERE id = 3`).get() as Record<string, unknown>;
    db.transaction(() => {
      db.prepare('DELETE FROM audit_log WHERE id IN (2, 3)').run();
      const insert = db.prepare(
        `INSERT INTO audit_log (id, ${cols}) VALUES (@id, @ts, @actor, @command, @args, @target, @outcome, @exit_code, @duration_ms, @detail, @prev_hash, @hash)`,
      );
      insert.run({ ...b, id: 2 });
      insert.run({ ...a, id: 3 });
    })();
    assert.equal(await verifyAudit(db).brokenAt?.id, 2);
  });

  it('keeps chaining after a verified chain is appended to', () => {
    appendAudit(db, { ts: new Date().toISOString(), actor: 'a@b', command: 'x', args: [], outcome: 'success', exitCode: 0, durationMs: 1 });
    assert.deepEqual(await verifyAudit(db), { ok: true, entries: 6 });
  });
});
