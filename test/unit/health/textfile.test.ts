import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { HealthReport } from '../../../src/core/health/model.ts';
import { renderTextfile } from '../../../src/core/health/textfile.ts';
import { writeTextfileAtomically } from '../../../src/core/textfile.ts';

describe('Prometheus textfile', () => {
  const report = {
    endpoint: 'archive',
    status: 'WARNING',
    drives: { total: 8, online: 6, offline: 2, healing: 0 },
    sets: [{ pool: 0, set: 0, status: 'WARNING', online: 6, canLoseBeforeReadOnly: 1, canLoseBeforeUnavailable: 2 }],
    capacity: { rawBytes: 800, usableBytes: 400, usableUsedBytes: 40 },
  } as unknown as HealthReport;

  it('renders gauges with labels in the exposition format', () => {
    const text = renderTextfile([report]);
    assert.match(text, /^# HELP mpegflow_health_status /m);
    assert.match(text, /^mpegflow_health_status\{endpoint="archive"\} 1$/m);
    assert.match(text, /^mpegflow_erasure_set_margin_read_only\{endpoint="archive",pool="1",set="1"\} 1$/m);
    assert.ok(text.endsWith('\n'));
  });

  it('replaces the file atomically and leaves no temporary file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'textfile-'));
    const file = path.join(dir, 'mpegflow.prom');
    writeTextfileAtomically(file, 'a 1\n');
    // a reader (node_exporter) that opened the old file keeps reading the old file whole: the new
    // content arrives as another file renamed over it, never written into the file being read
    const reader = openSync(file, 'r');
    const before = statSync(file).ino;
    writeTextfileAtomically(file, renderTextfile([report]));
    assert.notEqual(statSync(file).ino, before, 'a new file took the name (rename), not a rewrite in place');
    assert.equal(readFileSync(reader, 'utf8'), 'a 1\n', 'the open file still holds the old content');
    closeSync(reader);
    assert.match(readFileSync(file, 'utf8'), /mpegflow_drives_offline\{endpoint="archive"\} 2/);
    assert.deepEqual(readdirSync(dir), ['mpegflow.prom']);
    assert.throws(() => writeTextfileAtomically(path.join(dir, 'missing', 'x.prom'), 'a 1\n'), /cannot write the Prometheus textfile/);
  });
});
