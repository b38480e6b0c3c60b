import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderBothWays } from '../../support/tty.ts';
import type { ImportResult } from '../../../src/core/store/import.ts';
import type { StoreStatus } from '../../../src/core/store/status.ts';
import { renderMigrated, renderStoreImport, renderStoreStatus, renderWorkers } from '../../../src/ui/pool.ts';

const status: StoreStatus = {
  backend: 'postgres',
  location: 'postgres://mpegflow@db/mpegflow',
  schema: [{ area: 'jobs', applied: 3, known: 3, state: 'current' }],
  upToDate: true,
  hosts: [
    {
      host: 'enc1',
      alive: 2,
      dead: 0,
      stopped: 1,
      lastSeen: '2026-01-01T00:00:00Z',
      version: '0.2.0',
      schemaKnown: { jobs: 3 },
      canRun: true,
    },
    { host: 'enc2', alive: 1, dead: 0, stopped: 0, lastSeen: '2026-01-01T00:00:00Z', version: '0.1.0', schemaKnown: null, canRun: null },
  ],
  queue: { queued: 1, running: 2, done: 3, failed: 0, cancelled: 0 },
  auditEntries: 9,
  checkedAt: '2026-01-01T00:00:00Z',
};

describe('state store rendering', () => {
  it('shows the backend, schema and hosts, with tables bordered only on a terminal', () => {
    const [tty, plain] = renderBothWays((tty) => renderStoreStatus(status, tty));
    for (const text of [tty, plain]) {
      assert.match(text, /^Backend\s+PostgreSQL \(shared by an encoder pool\)$/m);
      assert.match(text, /^Queue\s+1 queued, 2 running, 3 done, 0 failed, 0 cancelled$/m);
      assert.match(text, /enc1.*0\.2\.0.*yes/);
      assert.match(text, /enc2.*0\.1\.0.*unknown/);
    }
  });

  it('says what a migration applied', () => {
    assert.match(renderMigrated({ ...status, applied: 0 }, false), /^The schema was already current\.\nBackend/);
    assert.match(renderMigrated({ ...status, applied: 2 }, false), /^Applied 2 migration\(s\)\./);
  });

  it('sums up an import into the pool and points at audit verify', () => {
    const result: ImportResult = {
      from: '/home/ops/state.db',
      to: 'postgres://mpegflow@db/mpegflow',
      endpoints: { imported: ['edge1'], skipped: [], secretsKeptOnHost: ['edge1'] },
      jobs: { imported: 4, skipped: 1 },
      audit: { imported: 0, alreadyThere: 0, skipped: true },
      replicationRules: 0,
      routes: 2,
      healthSamples: 5,
      license: { installed: false, trustedKeys: 0 },
    };
    const text = renderStoreImport(result);
    assert.match(text, /^Secrets kept on this host\s+edge1$/m);
    assert.match(text, /^Audit entries\s+left out \(--without-audit\)$/m);
    assert.match(text, /\n\nCheck the shared chain with: mpegflow audit verify$/);
  });

  it('lists the workers of the pool with what they stored, in binary units', () => {
    const worker = {
      id: 'enc1:42:abc',
      host: 'enc1',
      pid: 42,
      version: '0.1.0',
      concurrency: 2,
      endpoints: ['central'],
      startedAt: '2026-01-01T00:00:00Z',
      heartbeatAt: '2026-01-01T02:00:00Z',
      heartbeatEveryMs: 15_000,
      schemaKnown: { jobs: 6 },
      mode: 'direct' as const,
      stoppedAt: null,
      jobsDone: 4,
      jobsFailed: 1,
      bytesStored: 3 * 1024 ** 3,
      status: 'alive' as const,
      running: [{ id: 9, source: 's' }],
    };
    const [tty, plain] = renderBothWays((tty) => renderWorkers([worker], tty));
    for (const text of [tty, plain]) assert.match(text, /enc1.*enc1:42:abc.*direct.*alive.*#9.*4.*1.*3\.0 GiB.*2\.0/);
    assert.match(renderWorkers([], false), /^No workers seen in the last 7 days\./);
  });
});
