import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../../../src/core/store/open.ts';
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

  it('creates a 0700 directory and 0600 file even under umask 000, in WAL mode', () => {
    const old = process.umask(0);
    try {
      const file = path.join(home, 'perm', 'nested', 'state.db');
      const db = openStore({ file });
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.ok((db.pragma('busy_timeout', { simple: true }) as number) >= 5000);
      db.close();
      assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
      assert.equal(statSync(file).mode & 0o777, 0o600);
    } finally {
      process.umask(old);
    }
  });

  it('tightens permissions of an existing, too-open state file', () => {
    const file = path.join(home, 'loose', 'state.db');
    openStore({ file }).close();
    chmodSync(file, 0o666);
    chmodSync(path.dirname(file), 0o777);
    openStore({ file }).close();
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
  });

  it('applies each migration once and records it', () => {
    const file = path.join(home, 'migrate', 'state.db');
    let runs = 0;
    const schemas = [
      {
        area: 't',
        migrations: [
          {
            version: 1,
            description: 'x',
            up: (db: import('better-sqlite3').Database) => {
              runs++;
              db.exec('CREATE TABLE t (a)');
            },
          },
        ],
      },
    ];
    openStore({ file, schemas }).close();
    const db = openStore({ file, schemas });
    assert.equal(runs, 1);
    assert.deepEqual(db.prepare("SELECT area, version FROM schema_migrations WHERE area = 't'").all(), [{ area: 't', version: 1 }]);
    db.close();
  });

  it('a failing migration leaves nothing half-applied', () => {
    const file = path.join(home, 'failing', 'state.db');
    const schemas = [
      {
        area: 'f',
        migrations: [
          { version: 1, description: 'ok', up: (db: import('better-sqlite3').Database) => db.exec('CREATE TABLE f1 (a)') },
          {
            version: 2,
            description: 'bad',
            up: () => {
              throw new Error('boom');
            },
          },
        ],
      },
    ];
    assert.throws(() => openStore({ file, schemas }), MpegflowError);
    const db = openStore({ file, schemas: [] });
    assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'f1'").get() as { n: number }).n, 0);
    db.close();
  });

  it('reports a damaged state file clearly and leaves it as it was', () => {
    const file = path.join(home, 'corrupt.db');
    writeFileSync(file, 'this is not a database, it is text'.repeat(200), { mode: 0o600 });
    const before = statSync(file).size;
    assert.throws(
      () => openStore({ file }),
      (error: MpegflowError) => {
        assert.equal(error.code, 'STATE_CORRUPT');
        assert.match(error.message, /damaged/);
        assert.match(error.suggestion ?? '', /mv /);
        return true;
      },
    );
    assert.equal(statSync(file).size, before);
  });
});
