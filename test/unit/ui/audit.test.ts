import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderBothWays } from '../../support/tty.ts';
import type { AuditEntry } from '../../../src/core/audit/log.ts';
import { renderAuditEntry, renderAuditExport, renderAuditList, renderAuditVerification } from '../../../src/ui/audit.ts';

const entry: AuditEntry = {
  id: 3,
  ts: '2026-01-01T00:00:00Z',
  actor: 'ops@archive',
  command: 'endpoint add',
  args: ['edge1', '--url', 'http://e:9000'],
  target: 'edge1',
  outcome: 'success',
  exitCode: 0,
  durationMs: 12,
  detail: null,
  prevHash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
};

describe('audit rendering', () => {
  it('lists entries as a table, bordered only on a terminal', () => {
    const [tty, plain] = renderBothWays((tty) => renderAuditList([entry], null, tty));
    for (const text of [tty, plain]) assert.match(text, /ops@archive.*endpoint add.*edge1.*success/);
    assert.equal(renderAuditList([], null, false), 'No audit entries match.');
    assert.match(renderAuditList([entry], entry.id, false), /Older entries: mpegflow audit list --before \d+/);
  });

  it('shows one entry with its hashes', () => {
    const text = renderAuditEntry(entry);
    assert.match(text, /^Arguments\s+edge1 --url http:\/\/e:9000$/m);
    assert.match(text, /^Duration\s+12 ms$/m);
    assert.match(text, /^Detail\s+-$/m);
    assert.match(text, new RegExp(`^Previous hash\\s+${'a'.repeat(64)}$`, 'm'));
  });

  it('says whether the chain holds, and where it breaks', () => {
    assert.equal(renderAuditVerification({ ok: true, entries: 4 }), 'Audit chain intact: 4 entries verified.');
    assert.equal(
      renderAuditVerification({ ok: false, entries: 2, brokenAt: { id: 3, position: 3, reason: 'hash mismatch' } }),
      'Audit chain BROKEN at position 3: hash mismatch.\n2 entries before it verified.',
    );
  });

  it('sums up an export to a file and says nothing when the entries went to stdout', () => {
    assert.equal(renderAuditExport({ format: 'csv', count: 5, output: 'a.csv' }), 'Exported 5 audit entries to a.csv (csv).');
    assert.equal(renderAuditExport({ format: 'jsonl', count: 5, output: null }), null);
  });
});
