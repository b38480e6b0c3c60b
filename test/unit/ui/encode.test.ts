import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderBothWays } from '../../support/tty.ts';
import type { EncodeResult } from '../../../src/core/encode/outputs/encode-result.ts';
import type { VerifyResult } from '../../../src/core/encode/verify/verify.ts';
import { renderEncodeResult, renderVerifyResult } from '../../../src/ui/encode.ts';

const result: EncodeResult = {
  status: 'done',
  source: { kind: 'local', path: 'clip.mov', size: 1, modifiedAt: '2026-01-01T00:00:00Z' },
  destination: 'archive/masters/clip/',
  manifest: 'archive/masters/clip/manifest.json',
  preset: { name: 'mp4-h264', hash: 'h', kind: 'mp4', origin: 'built-in' },
  durationSeconds: 10,
  renditions: [{ name: 'main', width: 1280, height: 720, frameRate: '25', videoBitrate: null, audioBitrate: '128k' }],
  outputs: [{ name: 'clip.mp4', size: 3 * 1024 * 1024, sha256: 's', contentType: 'video/mp4' }],
  bytesStored: 3 * 1024 * 1024,
  attempts: 2,
  timings: { startedAt: 's', finishedAt: 'f', probeMs: 1, encodeMs: 1, uploadWaitMs: 0, totalMs: 125_000 },
  decisions: [],
  warnings: [],
  quality: null,
};

describe('encode rendering', () => {
  it('says what was made, in binary units, with a table bordered only on a terminal', () => {
    const [tty, plain] = renderBothWays((tty) => renderEncodeResult(result, tty));
    for (const text of [tty, plain]) {
      assert.match(text, /^Encoded clip\.mov with mp4-h264 in 2m05s \(2 attempts\)$/m);
      assert.match(text, /^1 output, 3\.0 MiB in archive\/masters\/clip\/$/m);
    }
  });

  it('adds the retention it set, also when the encode was already there', () => {
    const retention = { mode: 'compliance', retainUntil: '2033-01-01T00:00:00Z', legalHold: true, objects: 2 };
    for (const status of ['done', 'skipped'] as const)
      assert.match(
        renderEncodeResult({ ...result, status, retention }, false),
        /\nRetention: 2 objects locked \(compliance until 2033-01-01T00:00:00Z\), legal hold on$/,
      );
  });

  it('verifies: the verdict, what was re-read, the retention groups, and each problem in a table bordered only on a terminal', () => {
    const verified: VerifyResult = {
      destination: 'archive/masters/clip/',
      manifest: 'archive/masters/clip/manifest.json',
      preset: result.preset,
      source: result.source,
      createdAt: '2026-01-01T00:00:00Z',
      ok: false,
      outputs: 2,
      bytesChecked: 2048,
      fixity: null,
      problems: [{ name: 'clip.mp4', location: 'archive/masters/clip/clip.mp4', problem: 'checksum', message: 'sha256 differs' }],
      retention: {
        objectLock: true,
        objects: [
          { name: 'clip.mp4', mode: 'compliance', retainUntil: '2033-01-01', legalHold: false },
          { name: 'manifest.json', mode: 'compliance', retainUntil: '2033-01-01', legalHold: false },
        ],
      },
      quality: null,
    };
    const [tty, plain] = renderBothWays((tty) => renderVerifyResult(verified, tty));
    for (const text of [tty, plain]) {
      assert.match(text, /^FAILED: archive\/masters\/clip\/ \(mp4-h264 of clip\.mov, encoded 2026-01-01T00:00:00Z\)$/m);
      assert.match(text, /^2 outputs, 2\.0 KiB re-read and checked against archive\/masters\/clip\/manifest\.json$/m);
      assert.match(text, /^Retention: 2 of 2 objects compliance until 2033-01-01$/m);
      assert.match(text, /clip\.mp4.*checksum.*sha256 differs/);
    }
  });
});
