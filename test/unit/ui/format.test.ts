import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, formatSeconds } from '../../../src/ui/format.ts';

describe('formats for people', () => {
  it('gives sizes in binary (IEC) units', () => {
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(1_500_000), '1.4 MiB');
    assert.equal(formatBytes(5 * 1024 ** 3), '5.0 GiB');
  });

  it('gives durations in seconds, minutes and hours', () => {
    assert.equal(formatSeconds(59), '59s');
    assert.equal(formatSeconds(125), '2m05s');
    assert.equal(formatSeconds(7300), '2h01m');
  });
});
