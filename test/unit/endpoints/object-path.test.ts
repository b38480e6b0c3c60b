import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatLocation, parseObjectPath } from '../../../src/core/endpoints/object-path.ts';

const isAlias = (name: string) => name === 'central';

describe('object paths, read as mc reads them', () => {
  it('ALIAS/BUCKET/KEY when ALIAS is an endpoint', () => {
    const location = parseObjectPath('central/masters/2026/ep1.mxf', isAlias);
    assert.deepEqual(location, { kind: 'remote', alias: 'central', bucket: 'masters', key: '2026/ep1.mxf' });
    assert.equal(formatLocation(location), 'central/masters/2026/ep1.mxf');
    assert.deepEqual(parseObjectPath('central/masters', isAlias), { kind: 'remote', alias: 'central', bucket: 'masters', key: '' });
  });

  it('local when it starts with . or /, has no slash, or its first segment is no endpoint', () => {
    for (const input of ['./central/masters/a.mov', '/srv/central/a.mov', 'clip.mov', 'other/masters/a.mov'])
      assert.deepEqual(parseObjectPath(input, isAlias), { kind: 'local', path: path.resolve(input) });
  });

  it('refuses a remote path without a bucket, with a bad bucket name or a ".." key (exit 2)', () => {
    assert.throws(() => parseObjectPath('central/', isAlias), /names no bucket/);
    assert.throws(() => parseObjectPath('central/Bad_Bucket/a.mov', isAlias), { code: 'INVALID_BUCKET_NAME', exitCode: 2 });
    assert.throws(() => parseObjectPath('central/masters/../etc/passwd', isAlias), { code: 'INVALID_OBJECT_KEY', exitCode: 2 });
  });
});
