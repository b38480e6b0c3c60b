import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES, type ErrorCode } from '../../src/core/error-codes.ts';
import { MpegflowError, usageError, userError } from '../../src/core/errors.ts';

describe('the error-code registry', () => {
  it('gives each error its kind and exit code from its code alone', () => {
    assert.deepEqual([usageError('bad flag').exitCode, usageError('bad flag').kind], [2, 'user']);
    const cancelled = new MpegflowError('stopped', { code: 'CANCELLED' });
    assert.equal(cancelled.exitCode, 130);
    const ffmpeg = new MpegflowError('ffmpeg failed', { code: 'FFMPEG_FAILED' });
    assert.deepEqual([ffmpeg.kind, ffmpeg.exitCode], ['external', 1]);
    assert.equal(new MpegflowError('broke', { code: 'INTERNAL' }).kind, 'bug');
    assert.equal(userError('no').code, 'INVALID_INPUT');
  });

  it('is what schemas/error.json promises scripts, code for code', () => {
    const schema = JSON.parse(readFileSync(new URL('../../schemas/error.json', import.meta.url), 'utf8')) as {
      definitions: { ErrorCode: { enum: string[] } };
    };
    assert.deepEqual(schema.definitions.ErrorCode.enum.toSorted(), Object.keys(ERROR_CODES).toSorted());
  });

  it('names codes in capitals with underscores; usage errors and a licence that is not valid exit 2, a Ctrl-C 130', () => {
    for (const [code, { exit }] of Object.entries(ERROR_CODES) as [ErrorCode, { exit: number }][]) {
      assert.match(code, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      if (exit === 2) assert.match(code, /^(USAGE|LICENSE_|INVALID_|PRESET_NOT_FOUND|UNKNOWN_ENDPOINT|REPLICATION_TIMEOUT)/, code);
      if (exit === 130) assert.equal(code, 'CANCELLED');
    }
  });
});
