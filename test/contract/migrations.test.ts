import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';
import { MpegflowError } from '../../src/core/errors.ts';
import { submitJobs } from '../../src/core/jobs/submit.ts';
import type { AreaSchema, Migration } from '../../src/core/store/migration.ts';
import { migrate, type Db } from '../../src/core/store/open.ts';
import { allSchemas } from '../../src/core/store/schemas.ts';
import { hostsStoppedByMigrating, storeStatus } from '../../src/core/store/status.ts';
import { registerWorker } from '../../src/core/jobs/workers.ts';
import { forEachBackend } from '../support/backends.ts';

/** This mpegflow's schemas with more migrations of the jobs area, as a newer mpegflow would ship them. */
function newer(...extra: Omit<Migration, 'version'>[]): AreaSchema[] {
  return allSchemas.map((schema) => {
    if (schema.area !== 'jobs') return schema;
    const last = Math.max(...schema.migrations.map((m) => m.version));
    return { ...schema, migrations: [...schema.migrations, ...extra.map((m, i) => ({ ...m, version: last + 1 + i }))] };
  });
}

const job = (source: string) => ({
  source,
  sourceIdentity: `${source}@v1`,
  preset: 'proxy',
  presetFile: null,
  presetHash: 'p',
  destination: 'central/out/',
  priority: 0,
  needs: [],
});

forEachBackend('schema upgrades across a pool (host by host)', (backend) => {
  let db: Db;
  beforeEach(async () => {
    db = await backend.fresh();
  });

  it('a newer mpegflow adds a column: this one goes on using the store beside it, and says it is behind', async () => {
    const additive = {
      description: 'a note on each job',
      compatibility: 'additive' as const,
      sql: 'ALTER TABLE jobs ADD COLUMN note TEXT',
    };
    assert.equal(await migrate(db, newer(additive)), 1);
    assert.equal(await migrate(db, allSchemas, 'auto'), 0, 'nothing to do, nothing refused');
    const queued = await submitJobs({ db, specs: [job('a.mov')] });
    assert.equal(queued.submitted.length, 1, 'this version still writes');
    const jobs = (await storeStatus(db)).schema.find((s) => s.area === 'jobs')!;
    assert.equal(jobs.state, 'newer-usable');
  });

  it('a newer mpegflow changes it in a breaking way: this one refuses the store, saying which version it needs, and writes nothing', async () => {
    const additive = {
      description: 'a note on each job',
      compatibility: 'additive' as const,
      sql: 'ALTER TABLE jobs ADD COLUMN note TEXT',
    };
    const breaking = { description: 'priorities become a class name', sql: 'ALTER TABLE jobs ADD COLUMN priority_class TEXT' };
    const schemas = newer(additive, breaking);
    assert.equal(await migrate(db, schemas), 2);
    const before = await db.all('SELECT * FROM schema_migrations ORDER BY area, version');
    await assert.rejects(migrate(db, allSchemas, 'auto'), (error: MpegflowError) => {
      assert.equal(error.code, 'STATE_NEWER');
      const known = Math.max(...allSchemas.find((s) => s.area === 'jobs')!.migrations.map((m) => m.version));
      assert.match(error.message, new RegExp(`jobs v${known + 2}, which needs v${known + 2} or later \\(this mpegflow knows v${known}\\)`));
      assert.match(error.suggestion!, /upgrade mpegflow on this host/);
      return true;
    });
    assert.deepEqual(await db.all('SELECT * FROM schema_migrations ORDER BY area, version'), before);
    assert.equal((await storeStatus(db)).schema.find((s) => s.area === 'jobs')!.state, 'newer');
    // the newer mpegflow itself carries on
    assert.equal(await migrate(db, schemas, 'auto'), 0);
  });

  it('db status says which host runs which version and whether it can run; a breaking migration would stop the live ones it names', async () => {
    const worker = (host: string) => ({
      id: `${host}:1:a`,
      host,
      pid: 1,
      version: '0.1.0',
      concurrency: 1,
      endpoints: [],
      heartbeatEveryMs: 15_000,
    });
    await registerWorker(db, worker('enc1'));
    await registerWorker(db, worker('enc2'));
    // enc2 runs a version from before workers recorded their schema
    await db.run('UPDATE workers SET schema_known = NULL WHERE host = ?', ['enc2']);
    const hosts = (await storeStatus(db)).hosts.sort((a, b) => a.host.localeCompare(b.host));
    assert.deepEqual(
      hosts.map((h) => [h.host, h.version, h.canRun]),
      [
        ['enc1', '0.1.0', true],
        ['enc2', '0.1.0', null],
      ],
    );
    const additive = {
      description: 'a note on each job',
      compatibility: 'additive' as const,
      sql: 'ALTER TABLE jobs ADD COLUMN note TEXT',
    };
    assert.deepEqual(hostsStoppedByMigrating(await storeStatus(db), newer(additive)), [], 'an additive migration stops no one');
    const breaking = newer(additive, {
      description: 'priorities become a class name',
      sql: 'ALTER TABLE jobs ADD COLUMN priority_class TEXT',
    });
    const known = Math.max(...allSchemas.find((s) => s.area === 'jobs')!.migrations.map((m) => m.version));
    const stopped = hostsStoppedByMigrating(await storeStatus(db), breaking).sort((a, b) => a.host.localeCompare(b.host));
    assert.deepEqual(stopped, [
      { host: 'enc1', version: '0.1.0', lacks: `jobs v${known + 2}` },
      { host: 'enc2', version: '0.1.0', lacks: `a record of its schema (needed: jobs v${known + 2})` },
    ]);
    await migrate(db, breaking);
    assert.equal((await storeStatus(db, breaking)).hosts.find((h) => h.host === 'enc1')!.canRun, false, 'after it, enc1 cannot run');
  });
});
