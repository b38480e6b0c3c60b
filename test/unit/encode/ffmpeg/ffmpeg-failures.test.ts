import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyFfmpegFailure } from '../../../../src/core/encode/ffmpeg/ffmpeg-failures.ts';

// stderr lines as ffmpeg 7 prints them (the URL already scrubbed by runTool)
const classify = (stderr: string) => classifyFfmpegFailure(stderr, 'ffmpeg', 'the encode', true, '/tmp/work');

describe('ffmpeg failures reading a remote source', () => {
  it('a 5xx answer (ffmpeg says "5XX", not the number) is a read failure worth another attempt, not a codec problem', () => {
    for (const line of ['<source-url>: Server returned 5XX Server Error reply', '<source-url>: Server returned 503 Service Unavailable']) {
      const failure = classify(`[in#0 @ 0x55d0] Error opening input: ${line}\nError opening input file <source-url>.\n`);
      assert.equal(failure.code, 'SOURCE_READ_FAILED', line);
      assert.equal(failure.retry, 'now', `${line}: the encode tries again at once`);
      assert.equal(failure.retryable, true, line);
    }
  });

  it('a 403 is the storage refusing the read, not cured by another attempt now; an unknown failure stays ffmpeg failing', () => {
    const refused = classify('<source-url>: Server returned 403 Forbidden (access denied)');
    assert.equal(refused.code, 'SOURCE_ACCESS_DENIED');
    assert.notEqual(refused.retry, 'now');
    assert.equal(classify('Invalid data found when processing input').code, 'FFMPEG_FAILED');
  });
});

describe('when an error is worth another attempt', () => {
  it('says it in one field: retryable errors wait for the back-off unless they say now', async () => {
    const { MpegflowError } = await import('../../../../src/core/errors.ts');
    assert.deepEqual(
      [
        new MpegflowError('x', { code: 'FFMPEG_FAILED' }),
        new MpegflowError('x', { code: 'FFMPEG_FAILED', retryable: true }),
        new MpegflowError('x', { code: 'FFMPEG_FAILED', retry: 'now' }),
      ].map((e) => [e.retry, e.retryable]),
      [
        ['never', false],
        ['later', true],
        ['now', true],
      ],
    );
  });
});
