import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'minio';
import { runEncode } from '../../../src/core/encode/pipeline.ts';
import { resolvePreset } from '../../../src/core/encode/presets/presets.ts';
import { verifyDestination } from '../../../src/core/encode/verify/verify.ts';
import { MpegflowError } from '../../../src/core/errors.ts';
import { makeVideo } from '../../support/media.ts';
import { makeTestCA, startSingleDrive, type Deployment } from '../../support/minio.ts';

describe('encode to MinIO over HTTPS with a private CA', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-encode-tls-'));
  let minio: Deployment;
  let client: Client;
  before(async () => {
    const ca = makeTestCA(tmp);
    minio = await startSingleDrive({ certDir: ca.certDir });
    client = minio.endpointClient(minio.url, readFileSync(ca.caCert));
    await client.makeBucket('vault');
    makeVideo(path.join(tmp, 'grainy.mp4'), { width: 640, height: 360, seconds: 2, noise: true });
    makeVideo(path.join(tmp, 'clip.mp4'), { width: 320, height: 240, seconds: 2 });
    await client.fPutObject('vault', 'in/clip.mp4', path.join(tmp, 'clip.mp4'));
  });
  after(async () => {
    await minio?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('stores single-PUT and multipart outputs (unsigned payload, a signed CRC32 the store checks) and reads them back for verify', async () => {
    const destination = { kind: 'remote' as const, alias: 'secure', bucket: 'vault', prefix: 'masters/grainy' };
    const result = await runEncode({
      source: { kind: 'local', path: path.join(tmp, 'grainy.mp4') },
      preset: resolvePreset({ name: 'archive-ffv1' }),
      destination,
      s3For: () => client,
      partSize: 5 * 1024 * 1024,
    });
    const mkv = result.outputs.find((o) => o.name === 'archive.mkv')!;
    assert.ok(mkv.size > 5 * 1024 * 1024, 'large enough for a multipart upload');
    assert.match((await client.statObject('vault', 'masters/grainy/archive.mkv')).etag, /-\d+$/);
    const report = await verifyDestination({ destination, s3For: () => client });
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.equal(report.fixity!.mismatches, 0);
  });

  it("an https source is read with the endpoint's own trust (its private CA), and refused without it", async () => {
    const options = {
      source: { kind: 'remote' as const, alias: 'secure', bucket: 'vault', key: 'in/clip.mp4' },
      preset: resolvePreset({ name: 'proxy' }),
      destination: { kind: 'local' as const, path: path.join(tmp, 'from-https') },
    };
    const untrusting = minio.endpointClient();
    await assert.rejects(runEncode({ ...options, s3For: () => untrusting }), (e: MpegflowError) => {
      assert.equal(e.code, 'TLS_UNTRUSTED', `${e.code}: ${e.message}`);
      assert.match(e.suggestion ?? '', /--ca-cert/);
      assert.doesNotMatch(JSON.stringify(e.details), /X-Amz-Signature=(?!\[REDACTED\])/);
      return true;
    });
    // ffmpeg is given no CA file: it reads through the loopback relay, which uses the endpoint's client
    const result = await runEncode({ ...options, s3For: () => client });
    assert.equal(result.status, 'done');
  });
});
