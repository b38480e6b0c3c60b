import type { ArchivePreset, HlsPreset, Mp4Preset, PresetDefinition, ThumbnailsPreset } from '../presets/preset-model.ts';
import type { RenditionPlan } from '../outputs/manifest.ts';
import { rationalValue, type ProbeResult, type Rational } from '../source/probe.ts';

/**
 * Turns a preset and the probe of one source into the ffmpeg runs that make
 * its outputs. Pure: no processes, no files; the pipeline runs the passes.
 */

export interface FfmpegPass {
  stage: 'encode' | 'fixity';
  /** `source` (the local path, or the relay URL of a remote source) or an output of an earlier pass. */
  input: { kind: 'source' } | { kind: 'output'; name: string };
  /** Everything after `-i INPUT`, with output paths relative to the work folder. */
  outputArgs: string[];
  /** Renditions this pass produces, for progress. */
  renditions: string[];
  /** Top-level outputs (or folders, for HLS) this pass writes. */
  outputs: string[];
}

export interface DurationCheck {
  /** An output file, or an HLS media playlist whose segment durations add up. */
  output: string;
  kind: 'media' | 'hls-playlist';
}

export interface EncodePlan {
  kind: PresetDefinition['kind'];
  renditions: RenditionPlan[];
  passes: FfmpegPass[];
  /** HLS: finished segments may be uploaded while ffmpeg still runs. */
  streamingSegments: boolean;
  durationChecks: DurationCheck[];
  /** Output duration this plan should produce, seconds. */
  expectedDurationSeconds: number;
  /** Thumbnails: the sprite index to write once the sheet exists. */
  spriteIndex?: { sheet: string; index: string; columns: number; rows: number; tiles: number; intervalSeconds: number; tileWidth: number };
}

const STANDARD_RATES: Rational[] = [
  { num: 24000, den: 1001 },
  { num: 24, den: 1 },
  { num: 25, den: 1 },
  { num: 30000, den: 1001 },
  { num: 30, den: 1 },
  { num: 48, den: 1 },
  { num: 50, den: 1 },
  { num: 60000, den: 1001 },
  { num: 60, den: 1 },
];

/**
 * The constant frame rate for an output: the source's average rate snapped to
 * a standard rate when within 2 %, else rounded; sources above `max` are
 * halved (thirded...) until they fit, so 120 fps becomes 60, not 59.94.
 */
export function outputFrameRate(source: Rational, max: number): Rational {
  let value = rationalValue(source);
  if (value > max) {
    let divisor = 2;
    while (value / divisor > max) divisor++;
    value /= divisor;
  }
  const diff = (rate: Rational) => Math.abs(rationalValue(rate) - value) / rationalValue(rate);
  const closest = STANDARD_RATES.reduce((best, rate) => (diff(rate) < diff(best) ? rate : best));
  if (diff(closest) < 0.02) return closest;
  return { num: Math.max(1, Math.round(value)), den: 1 };
}

export const formatRate = (r: Rational): string => (r.den === 1 ? String(r.num) : `${r.num}/${r.den}`);

/**
 * The rate a CFR output is made at: the average rate, unless the source is
 * variable and its nominal rate is a standard one above the average (a phone
 * clip at "30 fps" that dropped frames is encoded at 30, not 27.4).
 */
export function sourceFrameRate(probe: ProbeResult): Rational {
  const average = probe.video.frameRate;
  const nominal = probe.video.nominalFrameRate;
  if (!nominal || !probe.video.variableFrameRate) return average;
  const n = rationalValue(nominal);
  const standard = STANDARD_RATES.some((r) => Math.abs(rationalValue(r) - n) / n < 0.005);
  return standard && n >= rationalValue(average) && n <= 120 ? nominal : average;
}

const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);
const evenFloor = (n: number): number => Math.max(2, Math.floor(n / 2) * 2);

/** The source as displayed: storage size stretched by its pixel aspect ratio. */
function displaySize(probe: ProbeResult): { width: number; height: number } {
  const sar = rationalValue(probe.video.sampleAspectRatio) || 1;
  return { width: probe.video.width * sar, height: probe.video.height };
}

/**
 * Output size for `lines` lines on the short side (height for landscape,
 * width for portrait), even in both dimensions, never above the source.
 */
export function fitSize(probe: ProbeResult, lines: number): { width: number; height: number } {
  const src = displaySize(probe);
  const portrait = src.height > src.width;
  const short = portrait ? src.width : src.height;
  const target = Math.min(evenFloor(lines), evenFloor(short));
  if (portrait) return { width: target, height: even((src.height * target) / src.width) };
  return { width: even((src.width * target) / src.height), height: target };
}

/** Ladder rungs not above the source's short side; at least the lowest rung (then at the source size). */
export function selectRungs(preset: HlsPreset, probe: ProbeResult): HlsPreset['renditions'] {
  const src = displaySize(probe);
  const short = Math.min(src.width, src.height);
  const kept = preset.renditions.filter((r) => r.height <= short);
  return kept.length > 0 ? kept : [preset.renditions[preset.renditions.length - 1]!];
}

function scaleChain(size: { width: number; height: number }): string {
  return `scale=${size.width}:${size.height}:flags=bicubic,setsar=1`;
}

function h264Args(video: Mp4Preset['video'] | HlsPreset['video']): string[] {
  return [
    '-c:v',
    'libx264',
    '-preset',
    video.speed,
    '-profile:v',
    video.profile,
    '-pix_fmt',
    video.pixelFormat,
    ...(video.tune ? ['-tune', video.tune] : []),
  ];
}

function planHls(preset: HlsPreset, probe: ProbeResult): EncodePlan {
  const rate = outputFrameRate(sourceFrameRate(probe), preset.video.maxFrameRate);
  const rungs = selectRungs(preset, probe);
  const sizes = rungs.map((r) => fitSize(probe, r.height));
  const n = rungs.length;
  const splitLabels = rungs.map((_, i) => `[s${i}]`).join('');
  const graph = [
    `[0:${probe.video.index}]fps=${formatRate(rate)},split=${n}${splitLabels}`,
    ...sizes.map((size, i) => `[s${i}]${scaleChain(size)},format=${preset.video.pixelFormat}[v${i}]`),
  ].join(';');
  const gop = Math.max(1, Math.round(rationalValue(rate) * preset.segmentSeconds));
  const audio = probe.audio;
  const args: string[] = ['-filter_complex', graph];
  rungs.forEach((_, i) => {
    args.push('-map', `[v${i}]`);
    if (audio) args.push('-map', `0:${audio.index}`);
  });
  args.push(...h264Args(preset.video));
  rungs.forEach((r, i) => args.push(`-b:v:${i}`, r.videoBitrate, `-maxrate:v:${i}`, r.maxRate, `-bufsize:v:${i}`, r.bufSize));
  args.push(
    '-g',
    String(gop),
    '-keyint_min',
    String(gop),
    '-sc_threshold',
    '0',
    '-force_key_frames',
    `expr:gte(t,n_forced*${preset.segmentSeconds})`,
  );
  if (audio) {
    args.push('-c:a', 'aac', '-ac', String(preset.audio.channels), '-ar', String(preset.audio.sampleRate));
    rungs.forEach((r, i) => args.push(`-b:a:${i}`, r.audioBitrate));
  }
  const streamMap = rungs.map((r, i) => (audio ? `v:${i},a:${i},name:${r.name}` : `v:${i},name:${r.name}`)).join(' ');
  args.push(
    '-f',
    'hls',
    '-hls_time',
    String(preset.segmentSeconds),
    '-hls_playlist_type',
    'vod',
    '-hls_list_size',
    '0',
    '-hls_flags',
    'independent_segments+temp_file',
    '-hls_segment_type',
    'mpegts',
    '-hls_segment_filename',
    '%v/seg_%05d.ts',
    '-master_pl_name',
    'master.m3u8',
    '-var_stream_map',
    streamMap,
    '%v/index.m3u8',
  );
  return {
    kind: 'hls',
    renditions: rungs.map((r, i) => ({
      name: r.name,
      width: sizes[i]!.width,
      height: sizes[i]!.height,
      frameRate: formatRate(rate),
      videoBitrate: r.videoBitrate,
      audioBitrate: audio ? r.audioBitrate : null,
    })),
    passes: [
      {
        stage: 'encode',
        input: { kind: 'source' },
        outputArgs: args,
        renditions: rungs.map((r) => r.name),
        outputs: ['master.m3u8', ...rungs.map((r) => r.name)],
      },
    ],
    streamingSegments: true,
    durationChecks: rungs.map((r) => ({ output: `${r.name}/index.m3u8`, kind: 'hls-playlist' as const })),
    expectedDurationSeconds: probe.durationSeconds,
  };
}

function planMp4(preset: Mp4Preset, probe: ProbeResult): EncodePlan {
  const rate = outputFrameRate(sourceFrameRate(probe), preset.video.maxFrameRate);
  const size = fitSize(probe, preset.video.maxHeight);
  const gop = Math.max(1, Math.round(rationalValue(rate) * preset.video.keyframeSeconds));
  const args = ['-map', `0:${probe.video.index}`];
  if (probe.audio) args.push('-map', `0:${probe.audio.index}`);
  args.push('-vf', `fps=${formatRate(rate)},${scaleChain(size)},format=${preset.video.pixelFormat}`, ...h264Args(preset.video));
  args.push('-crf', String(preset.video.crf), '-g', String(gop));
  if (preset.video.maxRate) args.push('-maxrate', preset.video.maxRate, '-bufsize', preset.video.bufSize ?? preset.video.maxRate);
  if (probe.audio) {
    args.push('-c:a', 'aac', '-b:a', preset.audio.bitrate, '-ac', String(preset.audio.channels), '-ar', String(preset.audio.sampleRate));
  }
  args.push('-movflags', '+faststart', '-f', 'mp4', preset.output);
  const name = preset.name;
  return {
    kind: 'mp4',
    renditions: [
      {
        name,
        width: size.width,
        height: size.height,
        frameRate: formatRate(rate),
        videoBitrate: preset.video.maxRate ?? null,
        audioBitrate: probe.audio ? preset.audio.bitrate : null,
      },
    ],
    passes: [{ stage: 'encode', input: { kind: 'source' }, outputArgs: args, renditions: [name], outputs: [preset.output] }],
    streamingSegments: false,
    durationChecks: [{ output: preset.output, kind: 'media' }],
    expectedDurationSeconds: probe.durationSeconds,
  };
}

function planArchive(preset: ArchivePreset, probe: ProbeResult): EncodePlan {
  const args = ['-map', `0:${probe.video.index}`, '-map', '0:a?', '-map_metadata', '0'];
  args.push('-c:v', 'ffv1', '-level', String(preset.video.level), '-g', '1', '-slices', String(preset.video.slices));
  args.push('-slicecrc', preset.video.sliceCrc ? '1' : '0', '-fps_mode', 'passthrough', '-c:a', 'flac', '-f', 'matroska', preset.output);
  const fixityArgs = ['-map', '0:v', '-map', '0:a?', '-f', 'framemd5', preset.fixity.output];
  return {
    kind: 'archive',
    renditions: [
      { name: preset.name, width: probe.video.width, height: probe.video.height, frameRate: null, videoBitrate: null, audioBitrate: null },
    ],
    passes: [
      { stage: 'encode', input: { kind: 'source' }, outputArgs: args, renditions: [preset.name], outputs: [preset.output] },
      {
        stage: 'fixity',
        input: { kind: 'output', name: preset.output },
        outputArgs: fixityArgs,
        renditions: [preset.name],
        outputs: [preset.fixity.output],
      },
    ],
    streamingSegments: false,
    durationChecks: [{ output: preset.output, kind: 'media' }],
    expectedDurationSeconds: probe.durationSeconds,
  };
}

function planThumbnails(preset: ThumbnailsPreset, probe: ProbeResult): EncodePlan {
  const { poster, sprite } = preset;
  const posterSize = fitSize(probe, poster.maxHeight);
  const src = displaySize(probe);
  const tile = { width: sprite.tileWidth, height: even((sprite.tileWidth * src.height) / src.width) };
  const slots = sprite.columns * sprite.rows;
  const interval = Math.ceil(Math.max(sprite.minIntervalSeconds, probe.durationSeconds / slots) * 10) / 10;
  const tiles = Math.max(1, Math.min(slots, Math.ceil(probe.durationSeconds / interval - 0.001)));
  const rows = Math.ceil(tiles / sprite.columns);
  const columns = Math.min(sprite.columns, tiles);
  const posterAt = probe.startSeconds + (probe.durationSeconds * poster.atPercent) / 100;
  const graph = [
    `[0:${probe.video.index}]split=2[p0][s0]`,
    `[p0]select='gte(t\\,${posterAt.toFixed(3)})',${scaleChain(posterSize)}[poster]`,
    `[s0]fps=1/${interval},scale=${tile.width}:${tile.height}:flags=bicubic,setsar=1,tile=${columns}x${rows}[sprite]`,
  ].join(';');
  const args = [
    '-filter_complex',
    graph,
    '-map',
    '[poster]',
    '-frames:v',
    '1',
    '-q:v',
    String(poster.quality),
    '-update',
    '1',
    '-f',
    'image2',
    poster.output,
    '-map',
    '[sprite]',
    '-frames:v',
    '1',
    '-q:v',
    String(sprite.quality),
    '-update',
    '1',
    '-f',
    'image2',
    sprite.output,
  ];
  return {
    kind: 'thumbnails',
    renditions: [{ name: 'poster', ...posterSize, frameRate: null, videoBitrate: null, audioBitrate: null }],
    passes: [
      {
        stage: 'encode',
        input: { kind: 'source' },
        outputArgs: args,
        renditions: ['poster', 'sprite'],
        outputs: [poster.output, sprite.output],
      },
    ],
    streamingSegments: false,
    durationChecks: [],
    expectedDurationSeconds: probe.durationSeconds,
    spriteIndex: { sheet: sprite.output, index: sprite.index, columns, rows, tiles, intervalSeconds: interval, tileWidth: tile.width },
  };
}

export function planEncode(preset: PresetDefinition, probe: ProbeResult): EncodePlan {
  switch (preset.kind) {
    case 'hls':
      return planHls(preset, probe);
    case 'mp4':
      return planMp4(preset, probe);
    case 'archive':
      return planArchive(preset, probe);
    case 'thumbnails':
      return planThumbnails(preset, probe);
  }
}

/** The WebVTT index of a sprite sheet: one cue per tile, pointing at its rectangle. */
export function spriteVtt(index: NonNullable<EncodePlan['spriteIndex']>, tileHeight: number, durationSeconds: number): string {
  const stamp = (s: number) => {
    const ms = Math.round(s * 1000);
    const h = Math.floor(ms / 3_600_000);
    const m = Math.floor((ms % 3_600_000) / 60_000);
    const sec = Math.floor((ms % 60_000) / 1000);
    return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
  };
  const lines = ['WEBVTT', ''];
  for (let i = 0; i < index.tiles; i++) {
    const start = i * index.intervalSeconds;
    const end = Math.min(durationSeconds, (i + 1) * index.intervalSeconds);
    if (start >= durationSeconds) break;
    const x = (i % index.columns) * index.tileWidth;
    const y = Math.floor(i / index.columns) * tileHeight;
    lines.push(`${stamp(start)} --> ${stamp(end)}`, `${index.sheet}#xywh=${x},${y},${index.tileWidth},${tileHeight}`, '');
  }
  return lines.join('\n');
}
