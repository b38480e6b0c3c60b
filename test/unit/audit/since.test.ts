import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSince } from '../../../src/core/audit/since.ts';

describe('--since', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  it('reads durations and dates', () => {
    assert.equal(parseSince('24h', now), '2026-11-24T12:00:00.000Z');
    assert.equal(parseSince('30m', now), '2026-11-25T11:30:00.000Z');
    assert.equal(parseSince('2026-11-01', now), '2026-11-01T00:00:00.000Z');
  });
  it('refuses nonsense as a usage error', () => {
    assert.throws(
      () => parseSince('yesterday-ish', now),
      (e: { exitCode: number }) => e.exitCode === 2,
    );
  });
});
