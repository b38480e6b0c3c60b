import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Real-world source shapes, made by ffmpeg: what operators hand MpegFlow
 * (broadcast interlaced MXF with discrete mono tracks, a 10-bit mezzanine
 * with timecode, HDR, a rotated phone clip, anamorphic SD, multi-language
 * Matroska with subtitles, programmes mixed far too loud or too quiet).
 * Short and small: the matrix runs every preset over each of them.
 */

export interface SourceShape {
  name: string;
  file: string;
  /** What the source is, as a QC engineer would check the outputs against it. */
  expect: {
    scan: 'progressive' | 'tff' | 'bff';
    /** Display aspect (width / height as shown). */
    displayAspect: number;
    portrait?: boolean;
    hdr?: 'hdr10' | 'hlg';
    pixelFormat: string;
    timecode?: string;
    audioTracks: number;
    /** Languages of the audio tracks a delivery output carries, in order. */
    deliveryAudioLanguages: (string | null)[];
    textSubtitles: number;
  };
}

const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'pipe' });

const picture = (size: string, rate: number, seconds: number) => [
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`,
];
const tone = (frequency: number, seconds: number, volume = '0dB') => [
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=${frequency}:sample_rate=48000:duration=${seconds},volume=${volume}`,
];

const x264 = ['-c:v', 'libx264', '-preset', 'ultrafast'];
const aacStereo = ['-c:a', 'aac', '-ac', '2'];

/** Interlaced HD: 50 progressive pictures a second woven into 25 interlaced frames, so every frame combs. */
const weave = (order: 'tff' | 'bff') => `interlace=scan=${order},setfield=${order}`;

export function makeSourceShapes(dir: string): SourceShape[] {
  const at = (name: string) => path.join(dir, name);
  const shapes: SourceShape[] = [];
  const add = (shape: SourceShape, make: (file: string) => void) => {
    make(shape.file);
    shapes.push(shape);
  };
  const stereo = { audioTracks: 1, deliveryAudioLanguages: [null], textSubtitles: 0 };

  add(
    {
      name: '1080i50 TFF H.264',
      file: at('interlaced-tff.mp4'),
      expect: { scan: 'tff', displayAspect: 16 / 9, pixelFormat: 'yuv420p', ...stereo },
    },
    (file) =>
      ffmpeg([
        ...picture('1920x1080', 50, 2),
        ...tone(440, 2),
        ...['-vf', weave('tff'), ...x264, '-flags', '+ildct+ilme', '-x264-params', 'tff=1'],
        ...[...aacStereo, file],
      ]),
  );
  add(
    {
      name: 'XDCAM 1080i BFF MPEG-2, 4 mono PCM',
      file: at('xdcam.mxf'),
      expect: {
        scan: 'bff',
        displayAspect: 16 / 9,
        pixelFormat: 'yuv422p',
        audioTracks: 4,
        deliveryAudioLanguages: [null],
        textSubtitles: 0,
      },
    },
    (file) =>
      ffmpeg([
        ...picture('1920x1080', 50, 2),
        ...[440, 660, 880, 1000].flatMap((f) => tone(f, 2)),
        ...['-filter_complex', `[0]${weave('bff')}[v]`, '-map', '[v]', '-map', '1', '-map', '2', '-map', '3', '-map', '4'],
        ...['-c:v', 'mpeg2video', '-pix_fmt', 'yuv422p', '-flags', '+ildct+ilme', '-top', '0', '-b:v', '30M', '-g', '12'],
        ...['-c:a', 'pcm_s24le', '-f', 'mxf', file],
      ]),
  );
  add(
    {
      name: 'ProRes 422 HQ 10-bit, timecode',
      file: at('mezzanine.mov'),
      expect: { scan: 'progressive', displayAspect: 16 / 9, pixelFormat: 'yuv422p10le', timecode: '10:00:00:00', ...stereo },
    },
    (file) =>
      ffmpeg([
        ...picture('1280x720', 25, 2),
        ...tone(440, 2),
        ...['-c:v', 'prores_ks', '-profile:v', '3', '-pix_fmt', 'yuv422p10le', '-timecode', '10:00:00:00'],
        ...['-c:a', 'pcm_s24le', '-ac', '2', file],
      ]),
  );
  for (const [hdr, transfer, x265] of [
    ['hdr10', 'smpte2084', 'hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400'],
    ['hlg', 'arib-std-b67', 'hdr10=0'],
  ] as const) {
    add(
      {
        name: `${hdr === 'hdr10' ? 'HDR10' : 'HLG'} HEVC 10-bit`,
        file: at(`${hdr}.mp4`),
        expect: { scan: 'progressive', displayAspect: 16 / 9, hdr, pixelFormat: 'yuv420p10le', ...stereo },
      },
      (file) =>
        ffmpeg([
          ...picture('1280x720', 25, 2),
          ...tone(440, 2),
          ...['-vf', 'format=yuv420p10le', '-c:v', 'libx265', '-preset', 'ultrafast'],
          ...['-x265-params', `log-level=error:colorprim=bt2020:transfer=${transfer}:colormatrix=bt2020nc:${x265}`],
          ...['-color_primaries', 'bt2020', '-color_trc', transfer, '-colorspace', 'bt2020nc', '-tag:v', 'hvc1', ...aacStereo, file],
        ]),
    );
  }
  add(
    {
      name: 'phone: rotated 90°, VFR',
      file: at('phone.mp4'),
      expect: { scan: 'progressive', displayAspect: 9 / 16, portrait: true, pixelFormat: 'yuv420p', ...stereo },
    },
    (file) => {
      // ffmpeg 5.1 writes a rotation only on a stream copy
      const plain = at('phone-upright.mp4');
      ffmpeg([
        ...picture('1280x720', 30, 3),
        ...tone(440, 3),
        ...['-vf', "select='lt(n\\,30)+not(mod(n\\,2))'", '-fps_mode', 'vfr', ...x264, '-c:a', 'aac', plain],
      ]);
      ffmpeg(['-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', file]);
    },
  );
  add(
    {
      name: 'anamorphic PAL SD 16:9',
      file: at('anamorphic.mp4'),
      expect: { scan: 'progressive', displayAspect: 16 / 9, pixelFormat: 'yuv420p', ...stereo },
    },
    (file) => ffmpeg([...picture('720x576', 25, 2), ...tone(440, 2), '-vf', 'setsar=64/45', ...x264, ...aacStereo, file]),
  );
  add(
    {
      name: 'Matroska: 2 languages, 2 subtitles outlasting the picture',
      file: at('languages.mkv'),
      expect: {
        scan: 'progressive',
        displayAspect: 16 / 9,
        pixelFormat: 'yuv420p',
        audioTracks: 2,
        deliveryAudioLanguages: ['eng', 'fra'],
        textSubtitles: 2,
      },
    },
    (file) => {
      writeFileSync(at('eng.srt'), '1\n00:00:00,500 --> 00:00:01,500\nHello\n\n2\n00:00:02,000 --> 00:00:04,400\nWorld\n');
      writeFileSync(at('fra.srt'), '1\n00:00:00,500 --> 00:00:01,500\nBonjour\n');
      ffmpeg([
        ...picture('1280x720', 25, 2.72),
        ...tone(440, 2.72),
        ...tone(660, 2.72),
        ...['-i', at('eng.srt'), '-i', at('fra.srt'), '-map', '0', '-map', '1', '-map', '2', '-map', '3', '-map', '4'],
        ...[...x264, ...aacStereo, '-c:s', 'srt'],
        ...[
          '-metadata:s:a:0',
          'language=eng',
          '-metadata:s:a:1',
          'language=fra',
          '-metadata:s:s:0',
          'language=eng',
          '-metadata:s:s:1',
          'language=fra',
        ],
        file,
      ]);
    },
  );
  add(
    {
      name: 'programme far too loud',
      file: at('loud.mp4'),
      expect: { scan: 'progressive', displayAspect: 16 / 9, pixelFormat: 'yuv420p', ...stereo },
    },
    (file) =>
      ffmpeg([
        ...picture('640x360', 25, 3),
        ...['-f', 'lavfi', '-i', 'anoisesrc=color=pink:amplitude=0.9:duration=3:sample_rate=48000,volume=6dB,alimiter=limit=0.99'],
        ...[...x264, ...aacStereo, '-b:a', '192k', file],
      ]),
  );
  add(
    {
      name: 'programme far too quiet',
      file: at('quiet.mp4'),
      expect: { scan: 'progressive', displayAspect: 16 / 9, pixelFormat: 'yuv420p', ...stereo },
    },
    (file) => ffmpeg([...picture('640x360', 25, 3), ...tone(440, 3, '-42dB'), ...x264, ...aacStereo, file]),
  );
  return shapes;
}
