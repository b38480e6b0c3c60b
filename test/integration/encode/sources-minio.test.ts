import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'minio';
import type { EncodeResult } from '../../../src/core/encode/outputs/encode-result.ts';
import type { SourceReport } from '../../../src/core/encode/source/describe-source.ts';
import { parseJson, runCli, tempHome } from '../../support/cli.ts';
import { startSingleDrive, type Deployment } from '../../support/minio.ts';
import { combs, idetOf, loudnessOf, streamsOf } from '../../support/qc.ts';
import { makeSourceShapes } from '../../support/sources.ts';

/**
 * Each preset once from MinIO: the broadcast MXF (interlaced BFF, four
 * discrete mono tracks, timecode) and the two-language Matroska read through
 * the relay, written back to MinIO, and judged on what comes back.
 */
describe('real-world sources from MinIO, through every preset', () => {
  const { home, cleanup } = tempHome('mpegflow-sources-minio-');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-sources-minio-'));
  const shapes = makeSourceShapes(tmp);
  const xdcam = shapes.find((s) => /XDCAM/.test(s.name))!;
  const languages = shapes.find((s) => /languages/.test(s.name))!;
  const env: Record<string, string> = { EDGE_SECRET: '' };
  const cli = (args: string[]) => runCli(args, { home, env, timeoutMs: 120_000 });
  let minio: Deployment;
  let client: Client;

  before(async () => {
    minio = await startSingleDrive();
    client = minio.client();
    env.EDGE_SECRET = minio.secretKey;
    await client.makeBucket('masters');
    await client.fPutObject('masters', 'news/xdcam.mxf', xdcam.file);
    await client.fPutObject('masters', 'films/languages.mkv', languages.file);
    const added = await cli([
      'endpoint',
      'add',
      'edge',
      '--url',
      minio.url,
      '--access-key',
      minio.accessKey,
      '--secret-key-env',
      'EDGE_SECRET',
    ]);
    assert.equal(added.code, 0, added.stderr);
  });
  after(async () => {
    await minio?.stop();
    rmSync(tmp, { recursive: true, force: true });
    cleanup();
  });

  const fetch = async (key: string) => {
    const file = path.join(tmp, key.replaceAll('/', '_'));
    await client.fGetObject('masters', key, file);
    return file;
  };
  const encode = async (source: string, preset: string, prefix: string) => {
    const result = await cli(['encode', `edge/masters/${source}`, '--preset', preset, '--to', `edge/masters/${prefix}/`, '--json']);
    assert.equal(result.code, 0, result.stderr);
    return parseJson<EncodeResult>(result);
  };

  it('probe reads a source in a bucket through the relay', async () => {
    const result = await cli(['probe', 'edge/masters/news/xdcam.mxf', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = parseJson<SourceReport>(result);
    assert.equal(report.source, 'edge/masters/news/xdcam.mxf');
    assert.deepEqual([report.description.video.scan.order, report.description.audioTracks.length], ['bff', 4]);
  });

  it('hls-h264: progressive rungs, one stereo group at -16 LUFS, two subtitle renditions', async () => {
    await encode('news/xdcam.mxf', 'hls-h264', 'out/xdcam-hls');
    const top = await fetch('out/xdcam-hls/720p/seg_00000.ts');
    assert.equal(combs(idetOf(top)), false);
    const audio = await fetch('out/xdcam-hls/audio_1/seg_00000.ts');
    assert.ok(Math.abs(loudnessOf(audio).integrated - -16) <= 1.5, 'one 2 s segment is near the target');
    const encoded = await encode('films/languages.mkv', 'hls-h264', 'out/languages-hls');
    const names = encoded.outputs.map((o) => o.name);
    for (const name of ['audio_eng/index.m3u8', 'audio_fra/index.m3u8', 'subtitles_eng.vtt', 'subtitles_fra.m3u8'])
      assert.ok(names.includes(name), name);
    const master = readFileSync(await fetch('out/languages-hls/master.m3u8'), 'utf8');
    assert.match(master, /TYPE=SUBTITLES,GROUP-ID="subtitles",NAME="eng",LANGUAGE="eng"/);
  });

  it('mp4-h264 and proxy: progressive, both languages, timed text', async () => {
    await encode('films/languages.mkv', 'mp4-h264', 'out/languages-mp4');
    const mp4 = streamsOf(await fetch('out/languages-mp4/video.mp4'));
    assert.deepEqual(
      mp4.streams.map((s) => `${s.codec_name}:${s.tags?.language ?? 'und'}`),
      ['h264:und', 'aac:eng', 'aac:fra', 'mov_text:eng', 'mov_text:fra'],
    );
    const proxy = await fetch((await encode('news/xdcam.mxf', 'proxy', 'out/xdcam-proxy'), 'out/xdcam-proxy/proxy.mp4'));
    assert.equal(combs(idetOf(proxy)), false);
  });

  it('thumbnails: a poster from the deinterlaced picture', async () => {
    const encoded = await encode('news/xdcam.mxf', 'thumbnails', 'out/xdcam-thumbs');
    assert.ok(encoded.decisions.some((d) => d.subject === 'scan'));
    const poster = streamsOf(await fetch('out/xdcam-thumbs/poster.jpg')).streams[0]!;
    assert.equal(poster.width! / poster.height!, 16 / 9);
  });

  it('archive-ffv1: every track, BFF, timecode, proven lossless while made, and verify agrees', async () => {
    await encode('news/xdcam.mxf', 'archive-ffv1', 'out/xdcam-ffv1');
    const master = streamsOf(await fetch('out/xdcam-ffv1/archive.mkv'));
    assert.deepEqual(
      master.streams.map((s) => s.codec_name),
      ['ffv1', 'flac', 'flac', 'flac', 'flac'],
    );
    assert.equal(master.streams[0]!.field_order, 'bb');
    assert.equal(master.format.tags?.TIMECODE, '00:00:00:00');
    const manifest = JSON.parse(readFileSync(await fetch('out/xdcam-ffv1/manifest.json'), 'utf8')) as {
      fixity: { lossless: { frames: number; streams: number } };
    };
    assert.equal(manifest.fixity.lossless.streams, 5);
    const verified = await cli(['verify', 'edge/masters/out/xdcam-ffv1/', '--json']);
    assert.equal(verified.code, 0, verified.stdout);
  });
});
