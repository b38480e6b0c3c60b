import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseByteSize } from '../../../src/cli/byte-size.ts';

describe('parseByteSize', () => {
  it('reads binary and decimal units, rates, and bare bytes', () => {
    for (const [text, bytes] of [
      ['256MiB', 256 * 1024 ** 2],
      ['1GiB', 1024 ** 3],
      ['1.5GiB', 1.5 * 1024 ** 3],
      ['500MB', 500e6],
      ['1G', 1e9],
      ['100MiB/s', 100 * 1024 ** 2],
      ['4096', 4096],
      [' 64 mib ', 64 * 1024 ** 2],
    ] as const) {
      assert.equal(parseByteSize(text, '--size'), bytes, text);
    }
  });

  it('refuses what is not a size, as a usage error naming the flag', () => {
    for (const text of ['', 'lots', '-1MiB', '12XB', 'MiB']) {
      assert.throws(
        () => parseByteSize(text, '--size'),
        (e: { exitCode?: number; message: string }) => e.exitCode === 2 && e.message.includes('--size'),
        text,
      );
    }
    assert.throws(() => parseByteSize('fast', '--bandwidth', { noun: 'rate' }), /is not a rate/);
  });
});
