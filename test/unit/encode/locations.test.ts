import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultDestination,
  destinationFrom,
  formatDestination,
  keyProblem,
  outputKey,
  outputPath,
} from '../../../src/core/encode/locations.ts';
import { MpegflowError } from '../../../src/core/errors.ts';

const unsafe = (e: MpegflowError) => e.code === 'UNSAFE_PATH';

describe('destinations and output names', () => {
  it('puts outputs beside the source by default', () => {
    assert.deepEqual(defaultDestination({ kind: 'local', path: '/media/clip.mov' }, 'hls-h264'), {
      kind: 'local',
      path: '/media/clip.hls-h264',
    });
    assert.deepEqual(defaultDestination({ kind: 'local', path: '/media/no-extension' }, 'proxy'), {
      kind: 'local',
      path: '/media/no-extension.proxy',
    });
    assert.deepEqual(defaultDestination({ kind: 'remote', alias: 'edge', bucket: 'ingest', key: '2026/my clip é.mov' }, 'mp4-h264'), {
      kind: 'remote',
      alias: 'edge',
      bucket: 'ingest',
      prefix: '2026/my clip é.mp4-h264',
    });
  });

  it('refuses to derive an output folder from a key that climbs out', () => {
    for (const key of ['../../x', 'a/../../x.mov', './x.mov', 'a//x.mov', '/x.mov', 'a/\u0001.mov']) {
      assert.throws(() => defaultDestination({ kind: 'remote', alias: 'e', bucket: 'b', key }, 'proxy'), unsafe, key);
      assert.ok(keyProblem(key), key);
    }
    assert.equal(keyProblem('2026/ünïcode and spaces..mov'), null);
  });

  it('reads --to as a folder and refuses a bare bucket or unsafe prefix', () => {
    assert.deepEqual(destinationFrom({ kind: 'remote', alias: 'c', bucket: 'vod', key: 'show/ep1///' }), {
      kind: 'remote',
      alias: 'c',
      bucket: 'vod',
      prefix: 'show/ep1',
    });
    assert.equal(formatDestination({ kind: 'remote', alias: 'c', bucket: 'vod', prefix: 'show/ep1' }), 'c/vod/show/ep1/');
    assert.throws(
      () => destinationFrom({ kind: 'remote', alias: 'c', bucket: 'vod', key: '' }),
      (e: MpegflowError) => e.code === 'DESTINATION_NEEDS_PREFIX',
    );
    assert.throws(() => destinationFrom({ kind: 'remote', alias: 'c', bucket: 'vod', key: '../../x/' }), unsafe);
  });

  it('never resolves an output outside its folder', () => {
    assert.equal(outputPath('/out', '720p/seg_00001.ts'), '/out/720p/seg_00001.ts');
    assert.equal(outputKey('p/q', 'master.m3u8'), 'p/q/master.m3u8');
    for (const name of ['../x', '720p/../../x', '/etc/passwd', '', '.hidden', 'a//b']) {
      assert.throws(() => outputPath('/out', name), unsafe, name);
      assert.throws(() => outputKey('p', name), unsafe, name);
    }
  });
});
