import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { MpegflowError } from '../../src/core/errors.ts';
import { readUserFile } from '../../src/core/user-file.ts';

describe('readUserFile', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-user-file-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const options = {
    what: 'the test file',
    maxBytes: 10,
    suggestion: 'give another',
    code: 'PRESET_UNREADABLE' as const,
    missingCode: 'PRESET_NOT_FOUND' as const,
  };
  const refused = (code: string, message: RegExp) => (error: unknown) =>
    error instanceof MpegflowError && error.code === code && message.test(error.message) && error.suggestion === 'give another';

  it('reads a regular file up to the bound, and refuses one byte more', () => {
    writeFileSync(path.join(dir, 'ten'), '0123456789');
    assert.equal(readUserFile(path.join(dir, 'ten'), options).toString(), '0123456789');
    writeFileSync(path.join(dir, 'eleven'), '0123456789A');
    assert.throws(
      () => readUserFile(path.join(dir, 'eleven'), options),
      refused('PRESET_UNREADABLE', /it is 11 bytes, more than the test file can be \(10\)/),
    );
  });

  it('refuses FIFOs, devices and folders without blocking, and says when the file is missing', () => {
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    assert.throws(() => readUserFile(path.join(dir, 'fifo'), options), refused('PRESET_UNREADABLE', /fifo: it is a FIFO \(named pipe\)$/));
    assert.throws(() => readUserFile('/dev/zero', options), refused('PRESET_UNREADABLE', /it is a device$/));
    assert.throws(() => readUserFile(dir, options), refused('PRESET_UNREADABLE', /it is a folder$/));
    assert.throws(() => readUserFile(path.join(dir, 'absent'), options), refused('PRESET_NOT_FOUND', /absent: no such file$/));
  });

  it('a custom refusal replaces the default one for a file too large', () => {
    const custom = new Error('custom');
    assert.throws(
      () => readUserFile(path.join(dir, 'eleven'), { ...options, tooLarge: () => custom }),
      (e) => e === custom,
    );
  });
});
