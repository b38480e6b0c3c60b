import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MpegflowError } from '../../../../src/core/errors.ts';
import { encodeDifferences, parseManifest, type Manifest } from '../../../../src/core/encode/outputs/manifest.ts';

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

  it('tells the same encode from a different source version or preset, and says what differs', () => {
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
    const preset = { name: m.preset.name, hash: 'sha256:1' };
    assert.deepEqual(encodeDifferences(m, same, preset), []);
    assert.deepEqual(encodeDifferences(m, { ...same, etag: 'def', size: 12 }, preset), [
      'the source changed since it was made (size 10 → 12 bytes, ETag abc → def)',
    ]);
    assert.deepEqual(encodeDifferences(m, same, { ...preset, hash: 'sha256:2' }), [
      `the settings of the preset ${m.preset.name} changed since`,
    ]);
    assert.deepEqual(encodeDifferences(m, same, { name: 'hls-h264', hash: 'sha256:9' }), [
      `it was made with the preset ${m.preset.name}, this run uses hls-h264`,
    ]);
    assert.deepEqual(encodeDifferences(m, { kind: 'local', path: 'k.mov', size: 10, modifiedAt: '' }, preset), [
      'it was made from another source (e/b/k.mov)',
    ]);
  });
});
