import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CapacityReport } from '../../../src/core/health/capacity-report.ts';
import { renderCapacityReport, renderHealthResult } from '../../../src/ui/health.ts';

const capacity = {
  rawBytes: 4 * 1024 ** 4,
  rawUsedBytes: 1024 ** 4,
  usableBytes: 2 * 1024 ** 4,
  usableUsedBytes: 512 * 1024 ** 3,
  usableFreeBytes: 1.5 * 1024 ** 4,
  drivesNotCounted: 1,
};

describe('health rendering', () => {
  it('says why a deployment could not be asked, and the overall status of several', () => {
    const unknown = { endpoint: 'edge1', status: 'UNKNOWN' as const, error: { code: 'X', message: 'refused', suggestion: 'start it' } };
    assert.equal(renderHealthResult({ status: 'UNKNOWN', endpoints: [unknown] }, false), 'edge1: UNKNOWN - refused\n  Try: start it');
    assert.equal(
      renderHealthResult({ status: 'UNKNOWN', endpoints: [unknown, { ...unknown, endpoint: 'edge2' }] }, true),
      'edge1: UNKNOWN - refused\n  Try: start it\n\nedge2: UNKNOWN - refused\n  Try: start it\n\nOverall: UNKNOWN',
    );
  });

  it('gives capacity in binary units, with the forecast', () => {
    const report: CapacityReport = {
      endpoint: 'archive',
      parity: 'EC:2',
      capacity,
      usedPercent: 25,
      forecast: { kind: 'full-in', days: 30, fullAt: '2026-02-01T00:00:00Z', growthBytesPerDay: 50 * 1024 ** 3, samples: 10, spanDays: 9 },
      checkedAt: '2026-01-01T00:00:00Z',
    };
    const text = renderCapacityReport(report);
    assert.match(text, /^Raw\s+4\.0 TiB$/m);
    assert.match(text, /^Usable\s+2\.0 TiB after parity$/m);
    assert.match(text, /^Used\s+512\.0 GiB \(25%\)$/m);
    assert.match(text, /^Forecast\s+full in 30 days \(2026-02-01\) at 50\.0 GiB\/day, from 10 samples over 9 days$/m);
    assert.match(text, /^Note\s+1 offline drive\(s\) not counted$/m);
    assert.match(
      renderCapacityReport({ ...report, forecast: { kind: 'insufficient-history', samples: 1, spanDays: 0, needed: '3 samples' } }),
      /too little history: 1 sample over 0 days, need 3 samples/,
    );
  });
});
