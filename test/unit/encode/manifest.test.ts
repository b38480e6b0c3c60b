import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MpegflowError } from '../../../src/core/errors.ts';
import { parseManifest, sameEncode, type Manifest } from '../../../src/core/encode/manifest.ts';

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
      // a plain re-run stops on the damaged manifest again: only --force replaces it
      (e: MpegflowError) => e.code === 'MANIFEST_INVALID' && /--force/.test(e.suggestion ?? ''),
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
