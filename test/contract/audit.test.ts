import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';
import { AuditContext } from '../../src/core/audit/context.ts';
import { appendAudit, listAudit, verifyAudit } from '../../src/core/audit/log.ts';
import type { Db } from '../../src/core/store/open.ts';
import { forEachBackend } from '../support/backends.ts';

forEachBackend('audit chain', (backend) => {
  let db: Db;

  beforeEach(async () => {
    db = await backend.fresh();
    for (let i = 0; i < 5; i++) {
      await new AuditContext(i % 2 ? 'endpoint add' : 'endpoint remove', [`e${i}`, '--secret-key', 'hunter2hunter2'], {
        actor: 'ops@host',
      }).record(db, { target: `e${i}` });
    }
  });

  it('verifies an untouched chain', async () => {
    assert.deepEqual(await verifyAudit(db), { ok: true, entries: 5 });
  });

  it('never stores secret flag values', async () => {
    for (const entry of await listAudit(db)) assert.ok(!entry.args.includes('hunter2hunter2'), entry.args.join(' '));
  });

  it('catches an edited field', async () => {
    await db.run("UPDATE audit_log SET outcome = 'failure' WHERE id = 3");
    const result = await verifyAudit(db);
    assert.equal(result.ok, false);
    assert.equal(result.brokenAt?.id, 3);
    assert.match(result.brokenAt!.reason, /modified/);
  });

  it('catches edited arguments', async () => {
    await db.run("UPDATE audit_log SET args = '[]' WHERE id = 2");
    assert.equal((await verifyAudit(db)).brokenAt?.id, 2);
  });

  it('catches a deleted entry in the middle', async () => {
    await db.run('DELETE FROM audit_log WHERE id = 2');
    const result = await verifyAudit(db);
    assert.equal(result.ok, false);
    assert.equal(result.brokenAt?.id, 3);
    assert.match(result.brokenAt!.reason, /entry 2 is missing/);
  });

  it('catches entries removed from the end', async () => {
    await db.run('DELETE FROM audit_log WHERE id >= 4');
    const result = await verifyAudit(db);
    assert.equal(result.ok, false);
    assert.match(result.brokenAt!.reason, /removed from the end/);
  });

  it('catches reordered entries (ids swapped)', async () => {
    await db.transaction(async (tx) => {
      await tx.run('UPDATE audit_log SET id = -2 WHERE id = 2');
      await tx.run('UPDATE audit_log SET id = 2 WHERE id = 4');
      await tx.run('UPDATE audit_log SET id = 4 WHERE id = -2');
    });
    const result = await verifyAudit(db);
    assert.equal(result.ok, false);
    assert.equal(result.brokenAt?.id, 2);
  });

  it('catches reordered entries (contents swapped, ids kept)', async () => {
    const cols = 'ts, actor, command, args, target, outcome, exit_code, duration_ms, detail, prev_hash, hash';
    type Row = Record<string, string | number | null>;
    const a = (await db.get<Row>(`SELECT ${cols} FROM audit_log WHERE id = 2`))!;
    const b = (await db.get<Row>(`SELECT ${cols} FROM audit_log WHERE id = 3`))!;
    await db.transaction(async (tx) => {
      await tx.run('DELETE FROM audit_log WHERE id IN (2, 3)');
      for (const [id, r] of [
        [2, b],
        [3, a],
      ] as const) {
        await tx.run(`INSERT INTO audit_log (id, ${cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
          id,
          r.ts!,
          r.actor!,
          r.command!,
          r.args!,
          r.target!,
          r.outcome!,
          r.exit_code!,
          r.duration_ms!,
          r.detail ?? null,
          r.prev_hash!,
          r.hash!,
        ]);
      }
    });
    assert.equal((await verifyAudit(db)).brokenAt?.id, 2);
  });

  it('keeps chaining after a verified chain is appended to', async () => {
    await appendAudit(db, {
      ts: new Date().toISOString(),
      actor: 'a@b',
      command: 'x',
      args: [],
      outcome: 'success',
      exitCode: 0,
      durationMs: 1,
    });
    assert.deepEqual(await verifyAudit(db), { ok: true, entries: 6 });
  });

  it('concurrent writers on several connections chain one after another, never forking', async () => {
    const writers = backend.name === 'postgres' ? [db, await backend.another(), await backend.another()] : [db, db, db];
    await Promise.all(
      writers.map(async (store, w) => {
        for (let i = 0; i < 20; i++) {
          await appendAudit(store, {
            ts: new Date().toISOString(),
            actor: `ops@host${w}`,
            command: 'job submit',
            args: [],
            outcome: 'success',
            exitCode: 0,
            durationMs: 1,
          });
        }
      }),
    );
    assert.deepEqual(await verifyAudit(db), { ok: true, entries: 65 });
    assert.deepEqual(
      new Set((await listAudit(db, { command: 'job submit' })).map((e) => e.actor)),
      new Set(['ops@host0', 'ops@host1', 'ops@host2']),
    );
  });
});
