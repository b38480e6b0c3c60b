import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditContext } from '../../../src/core/audit/context.ts';
import { addEndpoint } from '../../../src/core/endpoints/repository.ts';
import { storageResolver } from '../../../src/core/endpoints/storage.ts';
import { resolveSide, resolveSides } from '../../../src/core/replication/sides.ts';
import { freshStores } from '../../support/store.ts';

const nextStore = freshStores();

async function storeWith(...names: string[]) {
  const db = await nextStore();
  for (const [i, name] of names.entries())
    await addEndpoint({
      db,
      audit: new AuditContext('endpoint add', []),
      endpoint: {
        name,
        url: `http://minio-${i}.example.net:9000`,
        accessKey: `key-${name}`,
        secret: { kind: 'stored', value: `secret-${name}` },
        region: 'us-east-1',
        caCertPath: null,
        role: null,
        labels: {},
      },
    });
  return { db, storage: await storageResolver(db) };
}

describe('the sides of a replication rule', () => {
  it('resolves the edge and central endpoints with the command-wide S3 client of each', async () => {
    const { db, storage } = await storeWith('edge1', 'central');
    const sides = await resolveSides(db, storage, { edge: 'edge1', central: 'central' });
    assert.equal(sides.edge.name, 'edge1');
    assert.equal(sides.edge.url, 'http://minio-0.example.net:9000');
    assert.equal(sides.edge.secretKey, 'secret-edge1');
    assert.equal(sides.central.name, 'central');
    assert.equal(sides.central.secretKey, 'secret-central');
    assert.equal(sides.edgeS3, storage.s3For('edge1'));
    assert.equal(sides.centralS3, storage.s3For('central'));
    assert.notEqual(sides.edgeS3, sides.centralS3);
  });

  it('takes the names from a replication record', async () => {
    const { db, storage } = await storeWith('edge1', 'central');
    const record = { edge: 'central', central: 'edge1', edgeBucket: 'ingest', centralBucket: 'masters' };
    const sides = await resolveSides(db, storage, record);
    assert.deepEqual([sides.edge.name, sides.central.name], ['central', 'edge1']);
  });

  it('names the edge first when neither endpoint exists, then the central one', async () => {
    const { db, storage } = await storeWith('edge1');
    await assert.rejects(resolveSides(db, storage, { edge: 'edge9', central: 'central' }), {
      code: 'ENDPOINT_NOT_FOUND',
      message: "no endpoint named 'edge9'",
    });
    await assert.rejects(resolveSides(db, storage, { edge: 'edge1', central: 'central' }), {
      code: 'ENDPOINT_NOT_FOUND',
      message: "no endpoint named 'central'",
    });
  });

  it('one side alone does not need the other endpoint', async () => {
    const { db, storage } = await storeWith('edge1');
    const side = await resolveSide(db, storage, 'edge1');
    assert.equal(side.endpoint.name, 'edge1');
    assert.equal(side.s3, storage.s3For('edge1'));
  });
});
