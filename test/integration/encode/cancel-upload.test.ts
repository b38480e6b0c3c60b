import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'minio';
import { runEncode } from '../../../src/core/encode/pipeline.ts';
import { resolvePreset } from '../../../src/core/encode/presets/presets.ts';
import { MpegflowError } from '../../../src/core/errors.ts';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.ts';
import { makeVideo } from '../../support/media.ts';
import { incompleteUploads, startSingleDrive, type Deployment } from '../../support/minio.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-cancel-upload-'));

describe('Ctrl-C while the outputs upload (MinIO behind a slow link)', () => {
  let minio: Deployment;
  let client: Client;
  let proxy: FaultProxy;

  before(async () => {
    minio = await startSingleDrive();
    client = minio.client();
    await client.makeBucket('out');
    makeVideo(path.join(tmp, 'grainy.mp4'), { width: 640, height: 360, seconds: 3, noise: true });
    proxy = await startFaultProxy({ targetPort: minio.nodes[0]!.port, requestBytesPerSecond: 4 * 1024 * 1024 });
  });
  after(async () => {
    await proxy?.close();
    await minio?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('stops the upload between parts instead of sending the whole master first, and leaves nothing stored', async () => {
    const viaProxy = minio.endpointClient(proxy.url);
    const controller = new AbortController();
    let sentBytes = 0;
    let uploadedAtAbort = 0;
    let stored = false;
    const started = performance.now();
    let abortedAt = 0;
    await assert.rejects(
      runEncode({
        preset: resolvePreset({ name: 'archive-ffv1' }),
        source: { kind: 'local', path: path.join(tmp, 'grainy.mp4') },
        destination: { kind: 'remote', alias: 'e', bucket: 'out', prefix: 'master' },
        s3For: () => viaProxy,
        partSize: 5 * 1024 * 1024,
        partConcurrency: 1,
        uploadConcurrency: 1,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.type !== 'upload' || !e.object.endsWith('.mkv')) return;
          if (e.done) stored = true;
          sentBytes = Math.max(sentBytes, e.objectBytes);
          if (!controller.signal.aborted && e.bytesUploaded > 0) {
            uploadedAtAbort = e.bytesUploaded;
            abortedAt = performance.now();
            controller.abort();
          }
        },
      }),
      (e: MpegflowError) => e.code === 'CANCELLED',
    );
    const stoppedAfterMs = performance.now() - abortedAt;
    console.log(
      `master: ${sentBytes} B sent; abort at ${uploadedAtAbort} B, ${(abortedAt - started).toFixed(0)} ms in; stopped ${stoppedAfterMs.toFixed(0)} ms later`,
    );
    assert.equal(stored, false, 'the master was not sent to the end before the cancel took effect');
    // the part under way (5 MiB at 4 MiB/s) may finish, and no other starts
    assert.ok(stoppedAfterMs < 3000, `${stoppedAfterMs} ms`);
    assert.ok(sentBytes - uploadedAtAbort <= 5 * 1024 * 1024, `${sentBytes - uploadedAtAbort} B sent after the cancel`);
    assert.deepEqual(await incompleteUploads(client, 'out'), []);
    const left: string[] = [];
    for await (const o of client.listObjectsV2('out', 'master/', true)) left.push((o as { name: string }).name);
    assert.deepEqual(left, []);
  });
});
