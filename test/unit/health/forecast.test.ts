import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { forecastFull } from '../../../src/core/health/forecast.ts';
import type { HealthReport } from '../../../src/core/health/model.ts';
import type { HealthSample } from '../../../src/core/health/samples.ts';
import { renderTextfile, writeTextfileAtomically } from '../../../src/core/health/textfile.ts';

const GiB = 1024 ** 3;
const now = new Date('2026-11-25T00:00:00Z');

function sample(daysAgo: number, usedGiB: number): HealthSample {
  return {
    endpoint: 'e',
    ts: new Date(now.getTime() - daysAgo * 86_400_000).toISOString(),
    status: 'OK',
    drivesTotal: 4,
    drivesOnline: 4,
    drivesHealing: 0,
    rawBytes: 400 * GiB,
    rawUsedBytes: usedGiB * 2 * GiB,
    usableBytes: 200 * GiB,
    usableUsedBytes: usedGiB * GiB,
  };
}

describe('capacity forecast', () => {
  it('says there is too little history', () => {
    assert.equal(forecastFull([], 100 * GiB, now).kind, 'insufficient-history');
    assert.equal(forecastFull([sample(0.5, 10), sample(0.2, 11), sample(0, 12)], 100 * GiB, now).kind, 'insufficient-history');
  });

  it('projects steady growth to the day the space runs out', () => {
    const f = forecastFull([sample(10, 50), sample(5, 55), sample(0, 60)], 140 * GiB, now);
    assert.equal(f.kind, 'full-in');
    if (f.kind !== 'full-in') return;
    assert.equal(f.growthBytesPerDay, GiB);
    assert.equal(f.days, 140);
    assert.equal(f.fullAt, '2027-04-14T00:00:00.000Z');
  });

  it('reports no growth when usage is flat or shrinking', () => {
    assert.equal(forecastFull([sample(10, 60), sample(5, 60), sample(0, 50)], 140 * GiB, now).kind, 'not-growing');
  });
});

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
