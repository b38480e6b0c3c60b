import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseObjectPath } from '../../../src/core/endpoints/object-path.ts';
import { formatLocation } from '../../../src/core/notation.ts';

const isAlias = (name: string) => name === 'central';

describe('object paths, read as mc reads them', () => {
  it('ALIAS/BUCKET/KEY when ALIAS is an endpoint', () => {
    const location = parseObjectPath('central/masters/2026/ep1.mxf', isAlias);
    assert.deepEqual(location, { kind: 'remote', alias: 'central', bucket: 'masters', key: '2026/ep1.mxf' });
    assert.equal(formatLocation(location), 'central/masters/2026/ep1.mxf');
    assert.deepEqual(parseObjectPath('central/masters', isAlias), { kind: 'remote', alias: 'central', bucket: 'masters', key: '' });
  });

  it('local when it starts with . or /, has no slash, or its first segment is a folder here', () => {
    for (const input of ['./central/masters/a.mov', '/srv/central/a.mov', 'clip.mov', 'test/unit/a.mov'])
      assert.deepEqual(parseObjectPath(input, isAlias), { kind: 'local', path: path.resolve(input) });
  });

  it('refuses a first segment that is neither an endpoint nor a folder here, with the closest endpoint names (exit 2)', () => {
    const endpoints = { isAlias, aliases: ['central', 'centre-archive', 'edge'] };
    assert.throws(
      () => parseObjectPath('centrl/vod/clip/', endpoints),
      (e: Error & { code?: string; exitCode?: number; suggestion?: string }) =>
        e.code === 'UNKNOWN_ENDPOINT' &&
        e.exitCode === 2 &&
        /'centrl\/vod\/clip\/' starts with 'centrl', which is neither a configured endpoint nor a folder here/.test(e.message) &&
        e.suggestion ===
          "did you mean 'central/vod/clip/'? (endpoints: central, centre-archive, edge); for a local folder write ./centrl/vod/clip/",
    );
    assert.throws(
      () => parseObjectPath('nosuch/bucket/clip.mp4', endpoints),
      (e: Error & { suggestion?: string }) =>
        /^\(endpoints: central, centre-archive, edge\); for a local folder write \.\/nosuch\/bucket\/clip\.mp4$/.test(e.suggestion!),
    );
  });

  it('reads an endpoint that is also a folder here as the endpoint, and says so', () => {
    const notes: string[] = [];
    const location = parseObjectPath('test/vod/clip/', { isAlias: (name) => name === 'test', onNote: (m) => notes.push(m) });
    assert.equal(location.kind, 'remote');
    assert.deepEqual(notes, [
      "'test/vod/clip/' is read as endpoint 'test'; the folder ./test here is not used (write ./test/vod/clip/ to mean it)",
    ]);
  });

  it('refuses a remote path without a bucket, with a bad bucket name or a ".." key (exit 2)', () => {
    assert.throws(() => parseObjectPath('central/', isAlias), /names no bucket/);
    assert.throws(() => parseObjectPath('central/Bad_Bucket/a.mov', isAlias), { code: 'INVALID_BUCKET_NAME', exitCode: 2 });
    assert.throws(() => parseObjectPath('central/masters/../etc/passwd', isAlias), { code: 'INVALID_OBJECT_KEY', exitCode: 2 });
  });
});
