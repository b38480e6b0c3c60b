import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'minio';
import type { EncodeResult } from '../../../src/core/encode/outputs/encode-result.ts';
import type { SourceReport } from '../../../src/core/encode/source/describe-source.ts';
import { parseJson, tempHome } from '../../support/cli.ts';
import { runInProcess } from '../../support/in-process.ts';
import { addEndpoints, startSingleDrive, type Deployment } from '../../support/minio.ts';
import { audioHash, frameHashes, streamsOf } from '../../support/qc.ts';

const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
const picture = (size: string, seconds: number) => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25:duration=${seconds}`];
const tone = (frequency: number, seconds: number) => [
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=${frequency}:sample_rate=48000:duration=${seconds}`,
];
const x264 = (gopFrames: number) => ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(gopFrames)];

/** The EXTINF durations of a media playlist. */
const segmentDurations = (playlist: string) => [...playlist.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => Number(m[1]));

/**
 * package-hls: a mezzanine already encoded for delivery goes to HLS with its
 * picture copied (the same decoded frames), its AAC copied, its PCM encoded
 * to AAC and said, its text subtitles as WebVTT; a source HLS cannot carry as
 * it is coded is refused, with the reason, before anything is written.
 */
describe('packaging a mezzanine as HLS without re-encoding (package-hls)', () => {
  const { home, cleanup } = tempHome('mpegflow-package-');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-package-'));
  const at = (name: string) => path.join(tmp, name);
  const cli = (args: string[]) => runInProcess(args, { home, timeoutMs: 120_000 });
  let minio: Deployment;
  let client: Client;

  before(async () => {
    // 8 s, keyframes every 2 s: English AAC, French 24-bit PCM, English subtitles
    writeFileSync(at('eng.srt'), '1\n00:00:00,500 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 --> 00:00:05,000\nWorld\n');
    ffmpeg([
      ...picture('640x360', 8),
      ...tone(440, 8),
      ...tone(660, 8),
      ...['-i', at('eng.srt'), '-map', '0', '-map', '1', '-map', '2', '-map', '3', ...x264(50)],
      ...['-c:a:0', 'aac', '-ac:a:0', '2', '-c:a:1', 'pcm_s24le', '-ac:a:1', '2', '-c:s', 'srt'],
      ...['-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=fra', '-metadata:s:s:0', 'language=eng', at('mezzanine.mkv')],
    ]);
    ffmpeg([...picture('640x360', 2), '-c:v', 'prores_ks', '-profile:v', '3', at('prores.mov')]);
    ffmpeg([...picture('640x360', 2), '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', at('hevc.mp4')]);
    ffmpeg([
      ...picture('1920x1080', 2),
      ...['-vf', 'interlace=scan=tff,setfield=tff', ...x264(50), '-flags', '+ildct+ilme', '-x264-params', 'tff=1', at('interlaced.mp4')],
    ]);
    ffmpeg([...picture('640x360', 2), ...x264(50), at('upright.mp4')]);
    ffmpeg(['-i', at('upright.mp4'), '-c', 'copy', '-metadata:s:v:0', 'rotate=90', at('phone.mp4')]);
    ffmpeg([...picture('640x360', 14), ...x264(250), at('long-gop.mp4')]);

    minio = await startSingleDrive();
    client = minio.client();
    await client.makeBucket('media');
    for (const name of ['mezzanine.mkv', 'prores.mov', 'long-gop.mp4']) await client.fPutObject('media', `in/${name}`, at(name));
    await addEndpoints(home, { edge: minio });
  });
  after(async () => {
    await minio?.stop();
    rmSync(tmp, { recursive: true, force: true });
    cleanup();
  });

  const keysUnder = async (prefix: string) => {
    const keys: string[] = [];
    for await (const item of client.listObjectsV2('media', prefix, true)) if (item.name) keys.push(item.name);
    return keys;
  };

  it('MinIO to MinIO: the same pictures and English audio, the French PCM as AAC, the subtitles as WebVTT, every segment within 6 s', async () => {
    const result = await cli([
      'encode',
      'edge/media/in/mezzanine.mkv',
      '--preset',
      'package-hls',
      '--to',
      'edge/media/out/mezz/',
      '--json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const encoded = parseJson<EncodeResult>(result);
    const said = encoded.decisions.map((d) => `${d.subject}: ${d.from} -> ${d.to}`);
    assert.ok(
      said.some((line) => /^video: h264 .*640x360 25 fps -> copied, not re-encoded \(keyframes at most 2\.00 s apart/.test(line)),
      said.join('\n'),
    );
    assert.ok(said.includes('audio: audio 1 (eng): aac -> copied'), said.join('\n'));
    assert.ok(
      said.some((line) =>
        /^audio: audio 2 \(fra\): pcm_s24le, 2 ch -> AAC 128k, 2 ch \(HLS in MPEG-TS cannot carry pcm_s24le\)$/.test(line),
      ),
      said.join('\n'),
    );
    assert.ok(said.includes('subtitles: 1 text subtitle track(s) -> WebVTT subtitle renditions'), said.join('\n'));

    const keys = await keysUnder('out/mezz/');
    const local = at('mezz-out');
    for (const key of keys) await client.fGetObject('media', key, path.join(local, key.slice('out/mezz/'.length)));
    const master = readFileSync(path.join(local, 'master.m3u8'), 'utf8');
    assert.match(master, /TYPE=AUDIO.*LANGUAGE="eng".*DEFAULT=YES/);
    assert.match(master, /TYPE=AUDIO.*LANGUAGE="fra"/);
    assert.match(master, /TYPE=SUBTITLES.*LANGUAGE="eng"/);
    assert.match(master, /^360p\/index\.m3u8$/m);

    const variant = path.join(local, '360p', 'index.m3u8');
    assert.deepEqual(frameHashes(variant), frameHashes(at('mezzanine.mkv')), 'the pictures are the source’s own, decoded alike');
    assert.equal(streamsOf(path.join(local, '360p', 'seg_00000.ts')).streams[0]!.codec_name, 'h264');
    for (const playlist of ['360p/index.m3u8', 'audio_eng/index.m3u8', 'audio_fra/index.m3u8']) {
      const durations = segmentDurations(readFileSync(path.join(local, playlist), 'utf8'));
      assert.ok(durations.length >= 2 && durations.every((d) => d <= 6.04), `${playlist}: ${durations.join(', ')}`);
      assert.ok(Math.abs(durations.reduce((a, b) => a + b, 0) - 8) < 0.1, `${playlist} lasts the programme`);
    }
    const english = path.join(local, 'audio_eng', 'index.m3u8');
    assert.equal(audioHash(english, 0, 'decoded'), audioHash(at('mezzanine.mkv'), 0, 'decoded'), 'the AAC is the source’s own');
    const french = streamsOf(path.join(local, 'audio_fra', 'seg_00000.ts')).streams.find((s) => s.codec_type === 'audio');
    assert.equal(french?.codec_name, 'aac');
    assert.match(readFileSync(path.join(local, 'subtitles_eng.vtt'), 'utf8'), /Hello[\s\S]*World/);
  });

  it('probe --preset package-hls says what packaging would do, its keyframes read', async () => {
    const result = await cli(['probe', 'edge/media/in/mezzanine.mkv', '--preset', 'package-hls', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = parseJson<SourceReport>(result);
    assert.deepEqual(
      report.preset?.decisions.filter((d) => d.subject === 'video').map((d) => d.to),
      ['copied, not re-encoded (keyframes at most 2.00 s apart in the whole source)'],
    );
  });

  const refusals: [source: string, why: RegExp][] = [
    ['prores.mov', /its picture is prores: HLS in MPEG-TS carries H\.264/],
    ['hevc.mp4', /its picture is HEVC, which HLS carries in fMP4 \(CMAF\) segments/],
    ['interlaced.mp4', /its picture is interlaced, top field first: HLS players show progressive pictures/],
    ['phone.mp4', /stored rotated by 90°, which MPEG-TS has no way to say/],
    ['long-gop.mp4', /its keyframes are up to 10\.00 s apart .*longer than the 6 s segments of package-hls/],
  ];
  for (const [source, why] of refusals) {
    it(`refuses ${source} with the reason, exit 1, and writes nothing`, async () => {
      const output = at(`refused-${source}`);
      const result = await cli(['encode', at(source), '--preset', 'package-hls', '-o', output, '--json']);
      assert.equal(result.code, 1, result.stdout);
      const error = JSON.parse(result.stdout).error as { code: string; message: string; suggestion: string };
      assert.equal(error.code, 'SOURCE_NOT_PACKAGEABLE');
      assert.match(error.message, why);
      assert.match(error.suggestion, /hls-h264|segmentSeconds of at least 10/);
      assert.throws(() => readFileSync(path.join(output, 'master.m3u8')), 'nothing written');
    });
  }

  it('a source in MinIO it cannot carry is refused before anything is staged or published', async () => {
    for (const source of ['prores.mov', 'long-gop.mp4']) {
      const result = await cli(['encode', `edge/media/in/${source}`, '--preset', 'package-hls', '--to', `edge/media/out/${source}/`]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /cannot be packaged without re-encoding/);
    }
    const written = (await keysUnder('')).filter((key) => !key.startsWith('in/') && !key.startsWith('out/mezz/'));
    assert.deepEqual(written, [], 'nothing staged, published or left behind');
  });
});
