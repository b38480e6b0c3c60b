import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultDestination,
  destinationFrom,
  formatDestination,
  keyProblem,
  outputKey,
  outputPath,
  refuseOutputsOverSource,
} from '../../../../src/core/encode/outputs/locations.ts';
import { MpegflowError } from '../../../../src/core/errors.ts';

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

describe('outputs over their own source', () => {
  const remote = (key: string) => ({ kind: 'remote' as const, alias: 'edge', bucket: 'media', key });
  const into = (prefix: string, bucket = 'media', alias = 'edge') => ({ kind: 'remote' as const, alias, bucket, prefix });
  const refused = (e: MpegflowError) => e.code === 'OUTPUT_OVER_SOURCE';

  it('refuses an output file, an HLS rendition folder or the manifest landing on the source', () => {
    assert.throws(() => refuseOutputsOverSource(remote('own/video.mp4'), [into('own')], ['video.mp4']), refused);
    assert.throws(() => refuseOutputsOverSource(remote('vod/720p/seg.ts'), [into('vod')], ['master.m3u8', '720p']), refused);
    assert.throws(() => refuseOutputsOverSource(remote('vod/manifest.json'), [into('vod')], ['master.m3u8']), refused);
    assert.throws(() => refuseOutputsOverSource(remote('final/video.mp4'), [into('staging'), into('final')], ['video.mp4']), refused);
  });

  it('lets an encode write beside its source, or under a name it does not use', () => {
    refuseOutputsOverSource(remote('own/master.mp4'), [into('own')], ['video.mp4']);
    refuseOutputsOverSource(remote('own/720p.mp4'), [into('own')], ['master.m3u8', '720p']);
    refuseOutputsOverSource(remote('own/video.mp4'), [into('own', 'other')], ['video.mp4']);
    refuseOutputsOverSource(remote('own/video.mp4'), [into('own', 'media', 'central')], ['video.mp4']);
    refuseOutputsOverSource(remote('ownx/video.mp4'), [into('own')], ['video.mp4']);
    refuseOutputsOverSource({ kind: 'local', path: '/nowhere/video.mp4' }, [{ kind: 'local', path: '/nowhere' }], ['video.mp4']);
  });
});
