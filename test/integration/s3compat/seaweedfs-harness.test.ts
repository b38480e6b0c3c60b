import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as Minio from 'minio';
import { startSeaweedFs, type SeaweedServer } from '../../support/seaweedfs.ts';

describe('SeaweedFS test harness (weed server with its S3 gateway)', () => {
  let weed: SeaweedServer | undefined;
  before(async () => {
    weed = await startSeaweedFs();
  });
  after(async () => {
    await weed?.stop();
  });

  it('answers S3 with the configured key and refuses another', async (t) => {
    if (!weed) return t.skip('SeaweedFS is not built: run bash scripts/install-seaweedfs.sh');
    const client = weed.client();
    await client.makeBucket('harness');
    await client.putObject('harness', 'a/b.txt', Buffer.from('hello'), 5);
    assert.equal((await client.statObject('harness', 'a/b.txt')).size, 5);
    const url = new URL(weed.url);
    const wrong = new Minio.Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey: weed.accessKey,
      secretKey: 'not-the-secret-key',
      pathStyle: true,
    });
    await assert.rejects(
      () => wrong.listBuckets(),
      (e: { code?: string }) => e.code === 'SignatureDoesNotMatch',
    );
  });
});
