import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditContext } from '../../../src/core/audit/context.ts';
import { addEndpoint, type EndpointInput } from '../../../src/core/endpoints/repository.ts';
import { storageResolver } from '../../../src/core/endpoints/storage.ts';
import { freshStores } from '../../support/store.ts';

const nextStore = freshStores();

const input = (name: string, caCertPath: string | null): EndpointInput => ({
  name,
  url: 'https://minio.example.net:9000',
  accessKey: 'encoder',
  secret: { kind: 'env', variable: 'MPEGFLOW_TEST_SECRET' },
  region: 'us-east-1',
  caCertPath,
  role: null,
  labels: {},
});

describe('the storage resolver', () => {
  it('knows the aliases and makes one client per endpoint', async () => {
    const db = await nextStore();
    for (const endpoint of [input('central', '/etc/pki/site-ca.pem'), input('edge1', null)])
      await addEndpoint({ db, audit: new AuditContext('endpoint add', []), endpoint });
    const storage = await storageResolver(db, { MPEGFLOW_TEST_SECRET: 'secret-key-1' });
    assert.equal(storage.isAlias('central'), true);
    assert.equal(storage.isAlias('archive'), false);
    assert.equal(storage.s3For('edge1'), storage.s3For('edge1'));
    assert.throws(() => storage.s3For('archive'), { code: 'ENDPOINT_NOT_FOUND', message: "no endpoint named 'archive'" });
  });
});
