import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayCommand } from '../../../../src/core/encode/source/source-access.ts';
import { scrub } from '../../../../src/core/encode/ffmpeg/tools.ts';

describe('reading a remote source', () => {
  it('never shows a presigned URL in a command or in ffmpeg output', () => {
    const url = 'http://127.0.0.1:9000/b/k.mov?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20260101&X-Amz-Signature=deadbeef';
    const shown = displayCommand('ffmpeg', ['-i', url, '-f', 'hls', 'out dir/x.m3u8'], url, 'edge/b/k.mov');
    assert.equal(shown, "ffmpeg -i edge/b/k.mov -f hls 'out dir/x.m3u8'");
    assert.equal(
      displayCommand('ffmpeg', ['-headers', 'If-Match: "abc"\r\n', '-i', url], url, 'e/b/k'),
      `ffmpeg -headers $'If-Match: "abc"\\r\\n' -i e/b/k`,
    );
    const stderr = `Input #0, mov, from '${url}':\n[http @ 0x1] HTTP error 403 Forbidden\nother ${url.replace('deadbeef', 'cafe')}`;
    const clean = scrub(stderr, [url]);
    assert.ok(!clean.includes('deadbeef') && !clean.includes('cafe'), clean);
    assert.match(clean, /<source-url>/);
  });
});
