import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { APPLICATION_ID, openStore } from '../../../src/core/store/open.ts';
import { stateFile, stateHome } from '../../../src/core/store/paths.ts';
import { MpegflowError } from '../../../src/core/errors.ts';
import { tempHome } from '../../support/cli.ts';

describe('state store', () => {
  const { home, cleanup } = tempHome();
  after(cleanup);

  it('follows MPEGFLOW_HOME, then XDG_STATE_HOME, then ~/.local/state', () => {
    assert.equal(stateHome({ MPEGFLOW_HOME: '/srv/mf' }), '/srv/mf');
    assert.equal(stateHome({ XDG_STATE_HOME: '/x/state', HOME: '/home/u' }), '/x/state/mpegflow');
    assert.match(stateHome({}), /\.local\/state\/mpegflow$/);
    assert.equal(stateFile({ MPEGFLOW_HOME: '/srv/mf' }), '/srv/mf/state.db');
  });

  it('creates a 0700 directory and 0600 file even under umask 000, in WAL mode, marked as ours', async () => {
    const old = process.umask(0);
    try {
      const file = path.join(home, 'perm', 'nested', 'state.db');
      const db = await openStore({ file });
      assert.equal((await db.get<{ journal_mode: string }>('PRAGMA journal_mode'))!.journal_mode, 'wal');
      assert.ok((await db.get<{ timeout: number }>('PRAGMA busy_timeout'))!.timeout >= 5000);
      assert.equal((await db.get<{ application_id: number }>('PRAGMA application_id'))!.application_id, APPLICATION_ID);
      await db.close();
      assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
      assert.equal(statSync(file).mode & 0o777, 0o600);
    } finally {
      process.umask(old);
    }
  });

  it('tightens permissions of an existing, too-open state file', async () => {
    const file = path.join(home, 'loose', 'state.db');
    await (await openStore({ file })).close();
    chmodSync(file, 0o666);
    chmodSync(path.dirname(file), 0o777);
    await (await openStore({ file })).close();
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
  });

  it('never loosens modes the operator narrowed (a read-only state file stays read-only)', async () => {
    const file = path.join(home, 'narrow', 'state.db');
    await (await openStore({ file })).close();
    chmodSync(file, 0o400);
    chmodSync(path.dirname(file), 0o500);
    try {
      await (await openStore({ file })).close();
    } catch {
      // a non-root user cannot open it for writing; root can: either way the modes stay
    }
    assert.equal(statSync(file).mode & 0o777, 0o400);
    assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o500);
    chmodSync(path.dirname(file), 0o700);
  });

  it("refuses another program's SQLite database and leaves it untouched", async () => {
    const file = path.join(home, 'foreign.db');
    const other = new Database(file);
    other.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)');
    other.close();
    const before = readFileSync(file);
    await assert.rejects(openStore({ file }), (error: MpegflowError) => {
      assert.equal(error.code, 'STATE_FOREIGN');
      assert.match(error.message, /another program's SQLite database/);
      return true;
    });
    assert.deepEqual(readFileSync(file), before, 'not one byte changed');
  });

  it('refuses a state file written by a newer mpegflow, writing nothing', async () => {
    const file = path.join(home, 'newer', 'state.db');
    const db = await openStore({ file });
    await db.run("INSERT INTO schema_migrations (area, version, description, applied_at) VALUES ('jobs', 99, 'from the future', 'x')");
    await db.close();
    const before = readFileSync(file);
    await assert.rejects(openStore({ file }), (error: MpegflowError) => {
      assert.equal(error.code, 'STATE_NEWER');
      assert.match(error.message, /newer mpegflow in a way this one cannot use \(schema jobs v99, which needs v99 or later/);
      assert.match(error.suggestion ?? '', /upgrade mpegflow/);
      return true;
    });
    assert.deepEqual(readFileSync(file), before);
  });

  it('applies each migration once and records it', async () => {
    const file = path.join(home, 'migrate', 'state.db');
    let runs = 0;
    const schemas = [
      {
        area: 't',
        migrations: [
          {
            version: 1,
            description: 'x',
            get sql() {
              runs++;
              return 'CREATE TABLE t (a)';
            },
          },
        ],
      },
    ];
    await (await openStore({ file, schemas })).close();
    const db = await openStore({ file, schemas });
    assert.equal(runs, 1);
    assert.deepEqual(await db.all("SELECT area, version FROM schema_migrations WHERE area = 't'"), [{ area: 't', version: 1 }]);
    await db.close();
  });

  it('a failing migration leaves nothing half-applied', async () => {
    const file = path.join(home, 'failing', 'state.db');
    const schemas = [
      {
        area: 'f',
        migrations: [
          { version: 1, description: 'ok', sql: 'CREATE TABLE f1 (a)' },
          { version: 2, description: 'bad', sql: 'CREATE TABLE (not sql' },
        ],
      },
    ];
    await assert.rejects(openStore({ file, schemas }), MpegflowError);
    const db = await openStore({ file, schemas: [] });
    assert.equal((await db.get<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE name = 'f1'"))!.n, 0);
    await db.close();
  });

  it('reports a damaged state file clearly and leaves it as it was', async () => {
    const file = path.join(home, 'corrupt.db');
    writeFileSync(file, 'this is not a database, it is text'.repeat(200), { mode: 0o600 });
    const before = statSync(file).size;
    await assert.rejects(openStore({ file }), (error: MpegflowError) => {
      assert.equal(error.code, 'STATE_CORRUPT');
      assert.match(error.message, /damaged/);
      assert.match(error.suggestion ?? '', /mv /);
      return true;
    });
    assert.equal(statSync(file).size, before);
  });
});
