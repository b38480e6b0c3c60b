import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'minio';
import { runEncode } from '../../../src/core/encode/pipeline.ts';
import { resolvePreset } from '../../../src/core/encode/presets/presets.ts';
import { verifyDestination } from '../../../src/core/encode/verify/verify.ts';
import { makeVideo } from '../../support/media.ts';
import { startDistributed, type Deployment } from '../../support/minio.ts';

describe('encode into a 4-node distributed MinIO', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-encode-dist-'));
  let minio: Deployment;
  let client: Client;
  before(async () => {
    minio = await startDistributed({ nodes: 4, drivesPerNode: 2 });
    client = minio.client();
    await client.makeBucket('vod');
    makeVideo(path.join(tmp, 'clip.mp4'), { width: 1280, height: 720, seconds: 8 });
  });
  after(async () => {
    await minio?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('completes when one node stops mid-upload, and every output verifies', async () => {
    const destination = { kind: 'remote' as const, alias: 'central', bucket: 'vod', prefix: 'clip' };
    let stopping: Promise<void> | undefined;
    let storedBeforeStop = 0;
    const result = await runEncode({
      source: { kind: 'local', path: path.join(tmp, 'clip.mp4') },
      preset: resolvePreset({ name: 'hls-h264' }),
      destination,
      s3For: () => client,
      onProgress: (e) => {
        if (e.type === 'upload' && e.done && !stopping) {
          storedBeforeStop = e.objectsUploaded;
          stopping = minio.stopNode(3);
        }
      },
    });
    await stopping;
    assert.equal(result.status, 'done');
    assert.ok(storedBeforeStop >= 1 && storedBeforeStop < result.outputs.length, 'the node stopped while outputs were still uploading');
    const report = await verifyDestination({ destination, s3For: () => client });
    assert.equal(report.ok, true, JSON.stringify(report.problems));
  });
});
