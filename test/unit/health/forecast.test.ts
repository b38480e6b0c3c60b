import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forecastFull } from '../../../src/core/health/forecast.ts';
import type { HealthSample } from '../../../src/core/health/samples.ts';

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
