import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'minio';
import { parseJson, runCli, tempHome, transcript } from '../../support/cli.ts';
import type { Deployment } from '../../support/minio.ts';
import type { startMotoServer } from '../../support/moto.ts';
import { startThreeStores } from '../../support/three-stores.ts';
import type { SeaweedServer } from '../../support/seaweedfs.ts';
import type { EndpointCapabilities } from '../../../src/core/endpoints/capability-catalogue.ts';

const status = (doc: EndpointCapabilities) => Object.fromEntries(doc.capabilities.map((c) => [c.id, c.status]));
const detail = (doc: EndpointCapabilities, id: string) => doc.capabilities.find((c) => c.id === id)!.detail;

describe('mpegflow endpoint check on MinIO, moto and SeaweedFS (real servers)', () => {
  const { home, cleanup } = tempHome('mpegflow-endpoint-check-');
  let minio: Deployment;
  let moto: Awaited<ReturnType<typeof startMotoServer>>;
  let weed: SeaweedServer | undefined;
  const docs: Record<string, EndpointCapabilities> = {};
  const clients: Record<string, Client> = {};
  const cli = (args: string[], input?: string) => runCli(args, { home, input, timeoutMs: 240_000 });

  before(async () => {
    ({ minio, moto, weed } = await startThreeStores());
    clients.minio = minio.client();
    const stores: [string, string, string, string][] = [['minio', minio.url, minio.accessKey, minio.secretKey]];
    if (moto) stores.push(['moto', moto.url, 'testing', 'testing-secret']);
    if (weed) {
      stores.push(['weed', weed.url, weed.accessKey, weed.secretKey]);
      clients.weed = weed.client();
    }
    for (const [name, url, accessKey, secret] of stores) {
      const added = await cli(['endpoint', 'add', name, '--url', url, '--access-key', accessKey, '--secret-key-stdin'], secret);
      assert.equal(added.code, 0, added.stderr);
    }
    // the three stores are probed one after another, as an operator would
    for (const [name] of stores) {
      const res = await cli(['endpoint', 'check', name, '--json']);
      assert.equal(res.code, 0, `${name}: ${res.stdout}${res.stderr}`);
      docs[name] = parseJson<EndpointCapabilities>(res);
    }
  });
  after(async () => {
    await Promise.all([minio?.stop(), moto?.stop(), weed?.stop()]);
    cleanup();
  });

  it('MinIO: every feature supported, admin API included', () => {
    const doc = docs.minio!;
    assert.equal(doc.encodingReady, true);
    assert.match(doc.server ?? '', /MinIO/);
    for (const c of doc.capabilities) assert.equal(c.status, 'supported', `${c.id}: ${c.detail}`);
    assert.match(detail(doc, 'admin-api'), /^MinIO /);
    assert.ok(doc.cleanup.ok, doc.cleanup.detail);
  });

  it('moto: encoding works; no admin API, expired URLs still served, retention does not read back', (t) => {
    const doc = docs.moto;
    if (!doc) return t.skip('moto is not installed: run bash scripts/install-test-deps.sh');
    assert.equal(doc.encodingReady, true);
    const s = status(doc);
    for (const id of [
      'object-io',
      'listing',
      'presigned-range',
      'presigned-if-match',
      'multipart',
      'multipart-abort',
      'metadata',
      'server-side-copy',
      'versioning',
    ])
      assert.equal(s[id], 'supported', `${id}: ${detail(doc, id)}`);
    assert.equal(s['admin-api'], 'unsupported');
    assert.match(detail(doc, 'admin-api'), /not MinIO/);
    assert.equal(s['presigned-expiry'], 'unsupported', 'moto does not check signatures, so not expiry either');
    assert.equal(s['object-lock'], 'unsupported');
    assert.match(detail(doc, 'object-lock'), /retention accepted but reads back as/);
    assert.match(detail(doc, 'versioning'), /GetBucketVersioning reads back as 'unset'/);
    assert.ok(doc.cleanup.ok, doc.cleanup.detail);
  });

  it('SeaweedFS: encoding works, Object Lock and expiry too; no MinIO admin API', (t) => {
    const doc = docs.weed;
    if (!doc) return t.skip('SeaweedFS is not built: run bash scripts/install-seaweedfs.sh');
    assert.equal(doc.encodingReady, true);
    assert.match(doc.server ?? '', /SeaweedFS/);
    const s = status(doc);
    for (const c of doc.capabilities.filter((c) => c.id !== 'admin-api')) assert.equal(c.status, 'supported', `${c.id}: ${c.detail}`);
    assert.equal(s['admin-api'], 'unsupported');
    assert.ok(doc.cleanup.ok, doc.cleanup.detail);
  });

  it('the tables differ where the stores differ', (t) => {
    if (!docs.moto || !docs.weed) return t.skip('needs moto and SeaweedFS');
    const differing = docs
      .minio!.capabilities.map((c) => c.id)
      .filter((id) => new Set([status(docs.minio!)[id], status(docs.moto!)[id], status(docs.weed!)[id]]).size > 1);
    assert.deepEqual(differing.sort(), ['admin-api', 'object-lock', 'presigned-expiry']);
  });

  it('leaves no bucket behind; with --bucket it writes only under a throwaway prefix, and never changes that bucket', async () => {
    for (const [name, client] of Object.entries(clients)) {
      assert.deepEqual(
        (await client.listBuckets()).map((b) => b.name).filter((b) => b.startsWith('mpegflow-check-')),
        [],
        `${name}: throwaway buckets left`,
      );
    }
    const client = clients.minio!;
    await client.makeBucket('media');
    await client.putObject('media', 'keep.txt', Buffer.from('keep'), 4);
    const res = await cli(['endpoint', 'check', 'minio', '--bucket', 'media', '--no-create-buckets', '--json']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const doc = parseJson<EndpointCapabilities>(res);
    assert.equal(doc.scratch.bucket, 'media');
    assert.match(doc.scratch.prefix, /^\.mpegflow-check-[0-9a-f]{8}\/$/);
    const s = status(doc);
    for (const id of ['versioning', 'object-lock', 'replication-api']) assert.equal(s[id], 'unknown', `${id}: ${detail(doc, id)}`);
    assert.match(detail(doc, 'versioning'), /--no-create-buckets/);
    const left: string[] = [];
    for await (const o of client.listObjectsV2('media', '', true) as AsyncIterable<{ name: string }>) left.push(o.name);
    assert.deepEqual(left, ['keep.txt']);
    assert.equal(((await client.getBucketVersioning('media')) as { Status?: string } | undefined)?.Status ?? 'unset', 'unset');
  });

  it('renders a table for people, and refuses a missing bucket', async () => {
    const human = await cli(['endpoint', 'check', 'moto']);
    if (docs.moto) {
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /every feature encoding needs works/);
      assert.match(human.stdout, /MinIO admin API\s+NOT SUPPORTED/);
      assert.match(human.stdout, /Presigned GET with Range \*\s+supported/);
      assert.match(human.stdout, /clean-up: removed/);
    }
    const missing = await cli(['endpoint', 'check', 'minio', '--bucket', 'no-such-bucket']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /bucket 'no-such-bucket' does not exist/);
  });

  it('never printed a secret key or a presigned URL', () => {
    const all = transcript.join('\n');
    for (const secret of [minio.secretKey, weed?.secretKey].filter(Boolean)) assert.ok(!all.includes(secret!));
    assert.doesNotMatch(all, /X-Amz-Signature|X-Amz-Credential/);
  });
});
