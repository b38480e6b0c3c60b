import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ResolvedEndpoint } from '../../../src/core/endpoints/model.ts';
import { adminRequest } from '../../../src/core/minio-admin/http.ts';
import { ARGON2ID_AES_GCM, decryptAdminBody, encryptAdminBody, PBKDF2_AES_GCM } from '../../../src/core/minio-admin/madmin-crypto.ts';
import { startSingleDrive, type Deployment } from '../../support/minio.ts';

describe('madmin body encryption against a real MinIO server, both ways', () => {
  let d: Deployment;
  let endpoint: ResolvedEndpoint;
  before(async () => {
    d = await startSingleDrive();
    endpoint = { name: 'crypto', url: d.url, accessKey: d.accessKey, secretKey: d.secretKey, region: 'us-east-1', caCert: null };
  });
  after(() => d?.stop());

  for (const [label, id] of [
    ['PBKDF2 + AES-GCM', PBKDF2_AES_GCM],
    ['Argon2id + AES-GCM', ARGON2ID_AES_GCM],
  ] as const) {
    it(`the server accepts a body we encrypt (${label}): add-user, then the user signs in`, async () => {
      const user = `user${id}`;
      const secret = `secret-of-${user}-123`;
      const body = encryptAdminBody(d.secretKey, Buffer.from(JSON.stringify({ secretKey: secret, status: 'enabled' })), { id });
      const res = await adminRequest(endpoint, { method: 'PUT', path: '/minio/admin/v3/add-user', query: { accessKey: user }, body });
      assert.equal(res.status, 200, res.body.toString());
      const whoami = await adminRequest(
        { ...endpoint, accessKey: user, secretKey: secret },
        { method: 'GET', path: '/minio/admin/v3/info' },
      );
      // the new user has no policy: MinIO knows it and its secret (AccessDenied), rather than not at all (InvalidAccessKeyId)
      const answer = whoami.body.toString();
      assert.match(answer, /AccessDenied/);
      assert.doesNotMatch(answer, /InvalidAccessKeyId|SignatureDoesNotMatch/);
    });
  }

  it('we decrypt what the server encrypts (get-config-kv, list-users)', async () => {
    const config = await adminRequest(endpoint, { method: 'GET', path: '/minio/admin/v3/get-config-kv', query: { key: 'region' } });
    assert.equal(config.status, 200);
    assert.match(decryptAdminBody(d.secretKey, config.body).toString(), /^region /);
    const users = JSON.parse(
      decryptAdminBody(d.secretKey, (await adminRequest(endpoint, { method: 'GET', path: '/minio/admin/v3/list-users' })).body).toString(),
    ) as Record<string, unknown>;
    assert.ok('user0' in users && 'user2' in users, Object.keys(users).join());
  });
});
