import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  normalizeUrl,
  parseLabels,
  readCaCert,
  validateAccessKey,
  validateName,
  validateRole,
  shortSecretNote,
  validateSecretKey,
} from '../../../src/core/endpoints/validate.ts';
import { tempHome } from '../../support/cli.ts';

describe('endpoint fields', () => {
  it('names: letters, digits, - and _, at most 63, starting with a letter or digit', () => {
    for (const name of ['edge1', 'Central_2', 'a', 'x'.repeat(63)]) assert.equal(validateName(name), name);
    for (const name of ['', '-edge', 'edge/1', 'edge 1', 'x'.repeat(64)])
      assert.throws(() => validateName(name), /is not a valid endpoint name/);
  });

  it('URLs: http(s)://HOST[:PORT] and nothing after it, without credentials', () => {
    assert.equal(normalizeUrl('http://10.0.0.5:9000/'), 'http://10.0.0.5:9000');
    assert.equal(normalizeUrl('https://minio.example.net'), 'https://minio.example.net');
    assert.equal(normalizeUrl('http://[::1]:9000'), 'http://[::1]:9000');
    for (const [input, why] of [
      ['minio:9000', /'minio:9000' has no scheme$/],
      ['minio.local:9000', /'minio.local:9000' has no scheme$/],
      ['ftp://minio:21', /uses ftp, not http or https/],
      ['http://user:pw@minio:9000', /must not carry credentials/],
      ['http://minio:9000/bucket', /has a path, query or fragment/],
      ['http://minio:70000', /a port is 1-65535/],
      [`http://${'a'.repeat(64)}.example:9000`, /dot-separated labels of 1-63/],
    ] as const)
      assert.throws(() => normalizeUrl(input), why, input);
    assert.throws(
      () => normalizeUrl('minio.local:9000'),
      (e: Error & { suggestion?: string }) =>
        e.suggestion === 'give the endpoint as http://minio.local:9000 (or https:// where MinIO serves TLS)',
    );
  });

  it('a long bad URL is shortened in the message, not repeated whole', () => {
    assert.throws(
      () => normalizeUrl(`http://minio:9000/${'p'.repeat(500)}`),
      (error: Error) => error.message.length < 200 && /\(\d+ characters\)/.test(error.message),
    );
  });

  it('roles, labels and keys', () => {
    assert.equal(validateRole(undefined), null);
    assert.equal(validateRole('archive'), 'archive');
    assert.throws(() => validateRole('backup'), {
      message: "'backup' is not an endpoint role",
      suggestion: 'use one of: edge, central, archive',
    });
    assert.deepEqual(parseLabels(['site=paris', 'note=a=b']), { site: 'paris', note: 'a=b' });
    assert.throws(() => parseLabels(['=x']), /is not KEY=VALUE/);
    assert.equal(validateAccessKey('encoder'), 'encoder');
    assert.throws(() => validateAccessKey('a b c'), /without spaces/);
    assert.equal(validateSecretKey('12345678'), '12345678');
    assert.throws(() => validateSecretKey(''), /the secret key is empty/);
    assert.equal(validateSecretKey('short'), 'short', 'only MinIO wants 8 characters; other stores may not');
    assert.match(shortSecretNote('short')!, /5 characters: MinIO refuses keys shorter than 8/);
    assert.equal(shortSecretNote('longenough'), null);
  });

  it('a CA file must be a PEM certificate', () => {
    const { home, cleanup } = tempHome('mpegflow-ca-');
    after(cleanup);
    const notPem = path.join(home, 'ca.pem');
    writeFileSync(notPem, 'not a certificate');
    assert.throws(() => readCaCert(notPem), { code: 'CA_CERT_INVALID' });
    assert.throws(() => readCaCert(path.join(home, 'missing.pem')), { code: 'CA_CERT_UNREADABLE' });
  });
});
