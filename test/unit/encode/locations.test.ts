import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultDestination,
  destinationFrom,
  formatDestination,
  keyProblem,
  outputKey,
  outputPath,
} from '../../../src/core/encode/locations.ts';
import { parseManifest, sameEncode, type Manifest } from '../../../src/core/encode/manifest.ts';
import { displayCommand, presignExpiry } from '../../../src/core/encode/source-access.ts';
import { parseMediaPlaylist } from '../../../src/core/encode/hls-output.ts';
import { scrub } from '../../../src/core/encode/tools.ts';
import { contentTypeFor } from '../../../src/core/encode/s3.ts';
import { isRetryable } from '../../../src/core/storage-errors.ts';
import { MpegflowError } from '../../../src/core/errors.ts';

const unsafe = (e: MpegflowError) => e.code === 'UNSAFE_PATH';

describe('destinations and output names', () => {
  it('puts outputs beside the source by default', () => {
    assert.deepEqual(defaultDestination({ kind: 'local', path: '/media/clip.mov' }, 'hls-h264'), {
      kind: 'local',
      path: '/media/clip.hls-h264',
    });
    assert.deepEqual(defaultDestination({ kind: 'local', path: '/media/no-extension' }, 'proxy'), {
      kind: 'local',
      path: '/media/no-extension.proxy',
    });
    assert.deepEqual(defaultDestination({ kind: 'remote', alias: 'edge', bucket: 'ingest', key: '2026/my clip é.mov' }, 'mp4-h264'), {
      kind: 'remote',
      alias: 'edge',
      bucket: 'ingest',
      prefix: '2026/my clip é.mp4-h264',
    });
  });

  it('refuses to derive an output folder from a key that climbs out', () => {
    for (const key of ['../../x', 'a/../../x.mov', './x.mov', 'a//x.mov', '/x.mov', 'a/\u0001.mov']) {
      assert.throws(() => defaultDestination({ kind: 'remote', alias: 'e', bucket: 'b', key }, 'proxy'), unsafe, key);
      assert.ok(keyProblem(key), key);
    }
    assert.equal(keyProblem('2026/ünïcode and spaces..mov'), null);
  });

  it('reads --to as a folder and refuses a bare bucket or unsafe prefix', () => {
    assert.deepEqual(destinationFrom({ kind: 'remote', alias: 'c', bucket: 'vod', key: 'show/ep1///' }), {
      kind: 'remote',
      alias: 'c',
      bucket: 'vod',
      prefix: 'show/ep1',
    });
    assert.equal(formatDestination({ kind: 'remote', alias: 'c', bucket: 'vod', prefix: 'show/ep1' }), 'c/vod/show/ep1/');
    assert.throws(
      () => destinationFrom({ kind: 'remote', alias: 'c', bucket: 'vod', key: '' }),
      (e: MpegflowError) => e.code === 'DESTINATION_NEEDS_PREFIX',
    );
    assert.throws(() => destinationFrom({ kind: 'remote', alias: 'c', bucket: 'vod', key: '../../x/' }), unsafe);
  });

  it('never resolves an output outside its folder', () => {
    assert.equal(outputPath('/out', '720p/seg_00001.ts'), '/out/720p/seg_00001.ts');
    assert.equal(outputKey('p/q', 'master.m3u8'), 'p/q/master.m3u8');
    for (const name of ['../x', '720p/../../x', '/etc/passwd', '', '.hidden', 'a//b']) {
      assert.throws(() => outputPath('/out', name), unsafe, name);
      assert.throws(() => outputKey('p', name), unsafe, name);
    }
  });
});

const manifest = (outputs: unknown[]): Buffer =>
  Buffer.from(
    JSON.stringify({
      format: 'mpegflow-manifest',
      version: 1,
      source: { kind: 'remote', alias: 'e', bucket: 'b', key: 'k.mov', size: 10, etag: 'abc', versionId: null, modifiedAt: '' },
      preset: { name: 'proxy', hash: 'sha256:1', kind: 'mp4', origin: 'built-in' },
      createdAt: '2026-11-26T00:00:00.000Z',
      tools: { ffmpeg: '5.1', ffprobe: '5.1', mpegflow: '0.1.0' },
      media: { durationSeconds: 1, width: 640, height: 360, videoCodec: 'h264', frameRate: '25/1', variableFrameRate: false, audio: true },
      renditions: [],
      outputs,
      fixity: null,
      attempts: 1,
      timings: { startedAt: '', finishedAt: '', probeMs: 1, encodeMs: 1, uploadWaitMs: 0, totalMs: 2 },
    }),
  );

describe('manifests', () => {
  it('parses a manifest and refuses names that leave the destination', () => {
    const ok = parseManifest(manifest([{ name: 'proxy.mp4', size: 1, sha256: 'x', contentType: 'video/mp4' }]), 'm');
    assert.equal(ok.outputs[0]!.name, 'proxy.mp4');
    assert.throws(
      () => parseManifest(manifest([{ name: '../../x', size: 1, sha256: 'x' }]), 'm'),
      (e: MpegflowError) => e.code === 'MANIFEST_INVALID' && /outside/.test(e.message),
    );
    assert.throws(
      () => parseManifest(manifest([{ name: 'a' }]), 'm'),
      (e: MpegflowError) => e.code === 'MANIFEST_INVALID',
    );
    assert.throws(
      () => parseManifest('{', 'm'),
      (e: MpegflowError) => e.code === 'MANIFEST_INVALID',
    );
    assert.throws(
      () => parseManifest('{"format":"other"}', 'm'),
      (e: MpegflowError) => e.code === 'MANIFEST_INVALID',
    );
  });

  it('tells the same encode from a different source version or preset', () => {
    const m = parseManifest(manifest([]), 'm') as Manifest;
    const same = {
      kind: 'remote' as const,
      alias: 'e',
      bucket: 'b',
      key: 'k.mov',
      size: 10,
      etag: 'abc',
      versionId: null,
      modifiedAt: 'later',
    };
    assert.equal(sameEncode(m, same, 'sha256:1'), true);
    assert.equal(sameEncode(m, { ...same, etag: 'def' }, 'sha256:1'), false);
    assert.equal(sameEncode(m, same, 'sha256:2'), false);
    assert.equal(sameEncode(m, { kind: 'local', path: 'k.mov', size: 10, modifiedAt: '' }, 'sha256:1'), false);
  });
});

describe('pipeline helpers', () => {
  it('reads HLS media playlists', () => {
    const text = '#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.000000,\nseg_00000.ts\n#EXTINF:2.040000,\nseg_00001.ts\n#EXT-X-ENDLIST\n';
    assert.deepEqual(parseMediaPlaylist(text), { segments: ['seg_00000.ts', 'seg_00001.ts'], durationSeconds: 8.04, ended: true });
    assert.equal(parseMediaPlaylist('#EXTM3U\n#EXTINF:6,\nseg_00000.ts\n').ended, false);
  });

  it('gives presigned URLs a lifetime covering the encode, within S3 limits', () => {
    assert.equal(presignExpiry(0), 900);
    assert.equal(presignExpiry(3600), 900 + 4 * 3600);
    assert.equal(presignExpiry(10 * 24 * 3600), 7 * 24 * 3600);
  });

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
    assert.match(clean, /<presigned-url>/);
  });

  it('knows content types and which storage errors are worth a retry', () => {
    assert.equal(contentTypeFor('720p/index.m3u8'), 'application/vnd.apple.mpegurl');
    assert.equal(contentTypeFor('720p/seg_00000.ts'), 'video/mp2t');
    assert.equal(contentTypeFor('x.bin'), 'application/octet-stream');
    assert.equal(isRetryable({ code: 'ECONNREFUSED' }), true);
    assert.equal(isRetryable({ code: 'SlowDown' }), true);
    assert.equal(isRetryable({ code: 'AccessDenied', statusCode: 403 }), false);
    assert.equal(isRetryable({ code: 'XMinioStorageFull' }), false);
  });
});
