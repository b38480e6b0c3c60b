import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'minio';
import { discard } from '../../../src/core/encode/outputs/staging.ts';
import { listObjects } from '../../../src/core/s3/listing.ts';
import { incompleteUploads, startSingleDrive, type Deployment } from '../../support/minio.ts';

async function names(client: Client, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const object of listObjects(client, 'out', prefix)) found.push(object.name);
  return found;
}

describe('staging in a bucket (MinIO)', () => {
  let minio: Deployment;
  let client: Client;
  before(async () => {
    minio = await startSingleDrive();
    client = minio.client();
    await client.makeBucket('out');
  });
  after(async () => {
    await minio?.stop();
  });

  it('discards a staged encode of more than a page of objects and its unfinished uploads, and nothing beside it', async () => {
    const staged = Array.from({ length: 1234 }, (_, i) => `.mpegflow-staging/job-4-g1/720p/seg_${String(i).padStart(5, '0')}.ts`);
    const body = Buffer.from('segment');
    for (let i = 0; i < staged.length; i += 64)
      await Promise.all(staged.slice(i, i + 64).map((key) => client.putObject('out', key, body, body.length)));
    await client.putObject('out', '.mpegflow-staging/job-4-g10/720p/seg_00000.ts', body, body.length);
    await client.putObject('out', 'shows/ep1/manifest.json', body, body.length);
    // a worker killed mid-upload while the queue's store was down: an upload nobody recorded
    await client.initiateNewMultipartUpload('out', '.mpegflow-staging/job-4-g1/archive.mkv', {});
    await client.initiateNewMultipartUpload('out', 'shows/ep2/archive.mkv', {});
    await discard({ kind: 'remote', alias: 'a', bucket: 'out', prefix: '.mpegflow-staging/job-4-g1' }, client);
    assert.deepEqual(await incompleteUploads(client, 'out'), ['shows/ep2/archive.mkv']);
    assert.deepEqual(await names(client, ''), ['.mpegflow-staging/job-4-g10/720p/seg_00000.ts', 'shows/ep1/manifest.json']);
  });
});
