import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'minio';
import { parseJson, runCli, tempHome } from '../../support/cli.ts';
import type { Deployment } from '../../support/minio.ts';
import type { startMotoServer } from '../../support/moto.ts';
import { startThreeStores } from '../../support/three-stores.ts';
import type { SeaweedServer } from '../../support/seaweedfs.ts';
import type { EndpointTestOutput } from '../../../src/core/endpoints/probe.ts';

async function names(client: Client, bucket: string): Promise<string[]> {
  const found: string[] = [];
  for await (const o of client.listObjectsV2(bucket, '', true) as AsyncIterable<{ name: string }>) found.push(o.name);
  return found;
}

describe('mpegflow endpoint test --throughput (MinIO, moto, SeaweedFS)', () => {
  const { home, cleanup } = tempHome('mpegflow-throughput-');
  let minio: Deployment;
  let moto: Awaited<ReturnType<typeof startMotoServer>>;
  let weed: SeaweedServer | undefined;
  const cli = (args: string[], input?: string) => runCli(args, { home, input, timeoutMs: 240_000 });

  before(async () => {
    ({ minio, moto, weed } = await startThreeStores());
    await cli(['endpoint', 'add', 'minio', '--url', minio.url, '--access-key', minio.accessKey, '--secret-key-stdin'], minio.secretKey);
    if (moto) await cli(['endpoint', 'add', 'moto', '--url', moto.url, '--access-key', 'testing', '--secret-key-stdin'], 'testing-secret');
    if (weed)
      await cli(['endpoint', 'add', 'weed', '--url', weed.url, '--access-key', weed.accessKey, '--secret-key-stdin'], weed.secretKey);
  });
  after(async () => {
    await Promise.all([minio?.stop(), moto?.stop(), weed?.stop()]);
    cleanup();
  });

  it('MinIO: MB/s each way, every byte checked, a verdict in mezzanine streams, nothing left behind', async () => {
    const client = minio.client();
    await client.makeBucket('media');
    const res = await cli([
      'endpoint',
      'test',
      'minio',
      '--throughput',
      '--size',
      '24MiB',
      '--concurrency',
      '3',
      '--bucket',
      'media',
      '--json',
    ]);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const t = parseJson<EndpointTestOutput>(res).throughput!;
    assert.equal(t.sizeBytes, 24 * 1024 * 1024);
    assert.equal(t.concurrency, 3);
    assert.equal(t.verified, true);
    assert.ok(t.upload.mbPerSecond > 0 && t.download.mbPerSecond > 0);
    assert.ok(Math.abs(t.upload.mbitPerSecond - t.upload.mbPerSecond * 8) <= 1, 'Mbit/s and MB/s agree (each rounded on its own)');
    assert.deepEqual(
      t.verdict.map((v) => [v.profile, v.mbitPerSecond]),
      [
        ['1080i XDCAM HD422', 50],
        ['1080p ProRes 422 HQ', 220],
        ['2160p ProRes 422 HQ', 884],
        ['2160p HDR ProRes 4444', 1326],
      ],
    );
    for (const v of t.verdict) assert.equal(v.concurrentReads, Math.floor(t.download.mbitPerSecond / v.mbitPerSecond));
    assert.ok(t.cleanup.ok, t.cleanup.detail);
    assert.deepEqual(await names(client, 'media'), []);

    const human = await cli(['endpoint', 'test', 'minio', '--throughput', '--size', '16MiB']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /upload \(multipart\)\s+[\d.]+ MB\/s/);
    assert.match(human.stdout, /download \(ranged GET\)\s+[\d.]+ MB\/s/);
    assert.match(human.stdout, /1080p ProRes 422 HQ\s+220 Mbit\/s/);
    assert.match(human.stdout, /Apple ProRes white paper/);
    assert.deepEqual(
      (await client.listBuckets()).map((b) => b.name),
      ['media'],
      'the throwaway bucket is gone',
    );
  });

  it('moto and SeaweedFS: the same measurement works (their exit is 1 only for the missing admin API)', async (t) => {
    const stores = [moto ? 'moto' : null, weed ? 'weed' : null].filter((s): s is string => s !== null);
    if (stores.length === 0) return t.skip('neither moto nor SeaweedFS is installed');
    for (const name of stores) {
      const res = await cli(['endpoint', 'test', name, '--throughput', '--size', '16MiB', '--json']);
      const doc = parseJson<EndpointTestOutput>(res);
      assert.equal(res.code, 1, `${name}: ${res.stderr}`);
      assert.equal(doc.ok, false);
      assert.equal(doc.throughput?.verified, true, name);
      assert.ok(doc.throughput.cleanup.ok, `${name}: ${doc.throughput.cleanup.detail}`);
    }
  });

  it('refuses sizes it cannot time or hold', async () => {
    for (const [size, pattern] of [
      ['1MiB', /too small/],
      ['lots', /not a size/],
      ['64GiB', /more than 16GiB/],
    ] as const) {
      const res = await cli(['endpoint', 'test', 'minio', '--throughput', '--size', size]);
      assert.equal(res.code, 2, `${size}: ${res.stderr}`);
      assert.match(res.stderr, pattern);
    }
  });
});
