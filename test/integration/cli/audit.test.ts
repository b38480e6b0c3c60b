import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseJson, runCli, tempHome } from '../../support/cli.ts';
import { runInProcess } from '../../support/in-process.ts';
import { mountTmpfs } from '../../support/tmpfs.ts';

const sqlite = (file: string, sql: string) => execFileSync('sqlite3', [file, sql], { encoding: 'utf8' });

async function seed(home: string, count: number, run = runInProcess): Promise<void> {
  for (let i = 0; i < count; i++) {
    const res = await run(
      ['endpoint', 'add', `e${i}`, '--url', `http://127.0.0.1:${9000 + i}`, '--access-key', 'enc', '--secret-key-stdin'],
      { home, input: 'seeded-secret-key' },
    );
    assert.equal(res.code, 0, res.stderr);
  }
}

describe('mpegflow audit (CLI)', () => {
  const { home, cleanup } = tempHome();
  const db = path.join(home, 'state.db');
  after(cleanup);
  before(() => seed(home, 4));

  it('lists, filters and shows entries', async () => {
    const all = parseJson<{ entries: { id: number; command: string; actor: string; durationMs: number }[] }>(
      await runInProcess(['audit', 'list', '--json'], { home }),
    );
    assert.equal(all.entries.length, 4);
    assert.deepEqual(
      all.entries.map((e) => e.id),
      [4, 3, 2, 1],
      'newest first',
    );
    assert.match(all.entries[0]!.actor, /.+@.+/);
    const page = async (args: string[]) =>
      parseJson<{ entries: { id: number }[]; nextBefore: number | null }>(
        await runInProcess(['audit', 'list', ...args, '--json'], { home }),
      );
    const first = await page(['--limit', '3']);
    assert.deepEqual([first.entries.map((e) => e.id), first.nextBefore], [[4, 3, 2], 2]);
    const second = await page(['--limit', '3', '--before', String(first.nextBefore)]);
    assert.deepEqual([second.entries.map((e) => e.id), second.nextBefore], [[1], null], 'the last page says there is no next');
    const human = await runInProcess(['audit', 'list', '--limit', '2'], { home });
    assert.match(human.stdout, /Older entries: mpegflow audit list --before 3/);
    const future = parseJson<{ entries: unknown[] }>(await runInProcess(['audit', 'list', '--since', '2999-01-01', '--json'], { home }));
    assert.equal(future.entries.length, 0);
    const recent = parseJson<{ entries: unknown[] }>(
      await runInProcess(['audit', 'list', '--since', '1h', '--command', 'endpoint add', '--json'], { home }),
    );
    assert.equal(recent.entries.length, 4);
    const show = await runInProcess(['audit', 'show', '2'], { home });
    assert.equal(show.code, 0);
    assert.match(show.stdout, /Command\s+endpoint add/);
    assert.match(show.stdout, /Target\s+e1/);
    const missing = await runInProcess(['audit', 'show', '999'], { home });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no audit entry 999/);
    const bad = await runInProcess(['audit', 'list', '--since', 'someday'], { home });
    assert.equal(bad.code, 2);
  });

  it('exports JSON Lines and CSV with the hashes', async () => {
    const jsonl = await runInProcess(['audit', 'export', '--format', 'jsonl'], { home });
    const lines = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; hash: string });
    assert.deepEqual(
      lines.map((l) => l.id),
      [1, 2, 3, 4],
    );
    assert.ok(lines.every((l) => /^[0-9a-f]{64}$/.test(l.hash)));
    const out = path.join(home, 'audit.csv');
    const csv = await runInProcess(['audit', 'export', '--format', 'csv', '--output', out], { home });
    assert.equal(csv.code, 0, csv.stderr);
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(rows.length, 5);
    assert.match(rows[0]!, /^id,ts,actor,command,args/);
    const again = await runInProcess(['audit', 'export', '--format', 'csv', '--output', out], { home });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
  });

  it('detects an edited entry, naming it', async () => {
    const copy = path.join(home, 'edit');
    execFileSync('mkdir', ['-p', copy]);
    writeFileSync(path.join(copy, 'state.db'), readFileSync(db));
    sqlite(path.join(copy, 'state.db'), "UPDATE audit_log SET target = 'innocent' WHERE id = 2");
    const res = await runInProcess(['audit', 'verify', '--json'], { home: copy });
    assert.equal(res.code, 1);
    const doc = parseJson<{ ok: boolean; brokenAt: { id: number; reason: string } }>(res);
    assert.equal(doc.ok, false);
    assert.equal(doc.brokenAt.id, 2);
  });

  it('detects a deleted entry', async () => {
    const copy = path.join(home, 'delete');
    execFileSync('mkdir', ['-p', copy]);
    writeFileSync(path.join(copy, 'state.db'), readFileSync(db));
    sqlite(path.join(copy, 'state.db'), 'DELETE FROM audit_log WHERE id = 3');
    const res = await runInProcess(['audit', 'verify'], { home: copy });
    assert.equal(res.code, 1);
    assert.match(res.stdout, /BROKEN.*entry 3 is missing/);
  });

  it('detects reordered entries', async () => {
    const copy = path.join(home, 'reorder');
    execFileSync('mkdir', ['-p', copy]);
    writeFileSync(path.join(copy, 'state.db'), readFileSync(db));
    sqlite(
      path.join(copy, 'state.db'),
      'UPDATE audit_log SET id = -1 WHERE id = 1; UPDATE audit_log SET id = 1 WHERE id = 2; UPDATE audit_log SET id = 2 WHERE id = -1;',
    );
    const res = await runInProcess(['audit', 'verify', '--json'], { home: copy });
    assert.equal(res.code, 1);
    assert.equal(parseJson<{ brokenAt: { id: number } }>(res).brokenAt.id, 1);
  });

  it('eight concurrent processes writing the same state: none fails, the chain verifies', async () => {
    const shared = tempHome();
    try {
      await seed(shared.home, 1, runCli);
      const runs = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          runCli(['endpoint', 'add', `c${i}`, '--url', `http://127.0.0.1:${9100 + i}`, '--access-key', 'enc', '--secret-key-stdin'], {
            home: shared.home,
            input: 'concurrent-secret',
            timeoutMs: 120_000,
          }),
        ),
      );
      for (const run of runs) {
        assert.equal(run.code, 0, run.stderr);
        assert.doesNotMatch(run.stderr, /locked/i);
      }
      const verify = parseJson<{ ok: boolean; entries: number }>(await runCli(['audit', 'verify', '--json'], { home: shared.home }));
      assert.deepEqual(verify, { ok: true, entries: 9 });
      const list = parseJson<{ endpoints: unknown[] }>(await runCli(['endpoint', 'list', '--json'], { home: shared.home }));
      assert.equal(list.endpoints.length, 9);
    } finally {
      shared.cleanup();
    }
  });

  it('a damaged state file gives a clear error and stays untouched', async () => {
    const broken = tempHome();
    try {
      const file = path.join(broken.home, 'state.db');
      writeFileSync(file, 'garbage '.repeat(1000), { mode: 0o600 });
      const res = await runInProcess(['endpoint', 'list'], { home: broken.home });
      assert.equal(res.code, 1);
      assert.match(res.stderr, /state file .* is damaged/);
      assert.doesNotMatch(res.stderr, /\n\s+at /);
      assert.equal(readFileSync(file, 'utf8'), 'garbage '.repeat(1000));
    } finally {
      broken.cleanup();
    }
  });

  it('a state file on a read-only file system: a clear error, nothing lost', async (t) => {
    const mount = mountTmpfs(path.join(home, 'ro'), '4m');
    if ('skip' in mount) return t.skip(mount.skip);
    try {
      const roHome = path.join(home, 'ro', 'state');
      await seed(roHome, 1);
      mount.remountReadOnly();
      const add = await runInProcess(
        ['endpoint', 'add', 'late', '--url', 'http://127.0.0.1:9999', '--access-key', 'enc', '--secret-key-stdin'],
        {
          home: roHome,
          input: 'readonly-secret',
        },
      );
      assert.equal(add.code, 1);
      assert.match(add.stderr, /not writable|read-only/i);
      assert.doesNotMatch(add.stderr, /\n\s+at /);
    } finally {
      mount.unmount();
    }
  });

  it('a full disk: the change fails clearly and what was stored stays', async (t) => {
    const mount = mountTmpfs(path.join(home, 'full'), '1m');
    if ('skip' in mount) return t.skip(mount.skip);
    try {
      const fullHome = path.join(home, 'full', 'state');
      await seed(fullHome, 1);
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${path.join(home, 'full', 'filler')}`, 'bs=64k', 'count=100'], { stdio: 'ignore' });
      } catch {
        // dd stops at the end of the space, which is the point
      }
      const add = await runInProcess(
        [
          'endpoint',
          'add',
          'more',
          '--url',
          'http://127.0.0.1:9998',
          '--access-key',
          'enc',
          '--secret-key-stdin',
          '--label',
          `big=${'x'.repeat(60_000)}`,
        ],
        { home: fullHome, input: 'full-disk-secret' },
      );
      assert.equal(add.code, 1);
      assert.match(add.stderr, /no space left|disk|full/i);
      execFileSync('rm', [path.join(home, 'full', 'filler')]);
      const list = parseJson<{ endpoints: { name: string }[] }>(await runInProcess(['endpoint', 'list', '--json'], { home: fullHome }));
      assert.deepEqual(
        list.endpoints.map((e) => e.name),
        ['e0'],
      );
      assert.equal((await runInProcess(['audit', 'verify'], { home: fullHome })).code, 0);
    } finally {
      mount.unmount();
    }
  });
});
