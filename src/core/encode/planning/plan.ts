import type { ArchivePreset, HlsPreset, Mp4Preset, PresetDefinition, ThumbnailsPreset } from '../presets/preset-model.ts';
import type { RenditionPlan } from '../outputs/manifest.ts';
import { rationalValue, scanWords, type ProbeResult, type Rational } from '../source/probe.ts';
import { archiveArgs, losslessHashArgs } from './archive.ts';
import type { Loudness, LoudnessInput } from '../source/loudness.ts';
import { audioOutputs, loudnessFilter, videoTreatment, type AudioOutput, type Decision } from './treatments.ts';

/**
 * Turns a preset and the probe of one source into the ffmpeg runs that make
 * its outputs. Pure: no processes, no files; the pipeline runs the passes.
 */

export interface FfmpegPass {
  stage: 'encode' | 'fixity';
  /** `source` (the local path, or the relay URL of a remote source) or an output of an earlier pass. */
  input: { kind: 'source' } | { kind: 'output'; name: string };
  /** Options of the input itself (before `-i`), e.g. -noautorotate. */
  inputArgs?: string[];
  /** Everything after `-i INPUT`, with output paths relative to the work folder. */
  outputArgs: string[];
  /** Renditions this pass produces, for progress. */
  renditions: string[];
  /** Top-level outputs (or folders, for HLS) this pass writes. */
  outputs: string[];
  /** HLS: the folders whose finished segments are handed over while ffmpeg runs (default: the renditions'). */
  folders?: string[];
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
  /** What the encode does with each thing the source carries, in words (the plan, the output, the manifest). */
  decisions: Decision[];
  /** What the operator should know: a source trait left as is, a stream not carried. */
  warnings: string[];
  /** HLS: the alternate audio and subtitle renditions, finished in the master playlist once ffmpeg is done. */
  hls?: HlsRenditions;
  /** Archive: the source and the master decode to the same frames and samples, hashed with these arguments into the sidecar. */
  lossless?: { inputArgs: string[]; hashArgs: string[]; sidecar: string };
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

type DeliveryPreset = HlsPreset | Mp4Preset;

/** Measurements the plan needs before it is made: the loudness of each audio output, when the preset normalises it. */
export interface PlanMeasurements {
  loudness?: Loudness[];
  /** Outputs whose peaks are limited: their loudness through the gain and the limiter (by output; undefined for the others). */
  afterLimit?: (Loudness | undefined)[];
}

/** The audio outputs of a delivery preset: one per language. */
export function deliveryAudio(preset: DeliveryPreset, probe: ProbeResult): ReturnType<typeof audioOutputs> {
  return audioOutputs(probe, preset.audio.channels, true);
}

/**
 * Measures what the plan needs, with `measure` (ffmpeg's ebur128 over the
 * given filter chains): each audio output's loudness when the preset has a
 * target, then, for outputs whose peaks must be limited, the loudness
 * through the gain and the limiter, so the plan can give back what it took.
 */
export async function planMeasurements(
  preset: PresetDefinition,
  probe: ProbeResult,
  measure: (inputs: LoudnessInput[]) => Promise<Loudness[]>,
): Promise<PlanMeasurements> {
  if ((preset.kind !== 'hls' && preset.kind !== 'mp4') || !preset.audio.loudness) return {};
  const chains = deliveryAudio(preset, probe).outputs.map((output) => output.chain);
  if (chains.length === 0) return {};
  const loudness = await measure(chains.map((chain) => ({ chain })));
  const target = preset.audio.loudness;
  const limited = chains.flatMap((chain, i) => {
    const applied = loudnessFilter(loudness[i]!, target, preset.audio.sampleRate, '');
    return applied.limited ? [{ i, chain: `${chain},${applied.filter}` }] : [];
  });
  if (limited.length === 0) return { loudness };
  const measured = await measure(limited.map(({ chain }) => ({ chain })));
  const afterLimit: (Loudness | undefined)[] = chains.map(() => undefined);
  limited.forEach(({ i }, k) => (afterLimit[i] = measured[k]));
  return { loudness, afterLimit };
}

interface DeliveryTreatment {
  rate: Rational;
  /** The video filters up to (not including) the scale to each size. */
  videoHead: string;
  audio: AudioOutput[];
  /** filter_complex parts making [aN] for each audio output. */
  audioGraph: string[];
  decisions: Decision[];
  warnings: string[];
}

function deliveryTreatment(preset: DeliveryPreset, probe: ProbeResult, measurements: PlanMeasurements): DeliveryTreatment {
  const video = videoTreatment(probe, { deinterlace: preset.video.deinterlace ?? 'frame', pixelFormat: preset.video.pixelFormat });
  const base = sourceFrameRate(probe);
  const rate = outputFrameRate({ num: base.num * video.rateFactor, den: base.den }, preset.video.maxFrameRate);
  const decisions = [...video.decisions];
  const warnings: string[] = [];
  if (probe.video.variableFrameRate || video.rateFactor !== 1 || rationalValue(rate) !== rationalValue(base)) {
    const from = `${probe.video.variableFrameRate ? 'variable, ' : ''}${rationalValue(probe.video.frameRate)
      .toFixed(3)
      .replace(/\.?0+$/, '')} fps`;
    decisions.push({ subject: 'frame-rate', from, to: `constant ${formatRate(rate)} fps` });
  }
  const { outputs, decisions: audioDecisions } = deliveryAudio(preset, probe);
  decisions.push(...audioDecisions);
  const target = preset.audio.loudness;
  const audioGraph = outputs.map((output, i) => {
    let chain = output.chain;
    if (target) {
      const measured = measurements.loudness?.[i];
      if (!measured) throw new Error(`the loudness of audio output ${i} was not measured before planning`);
      const name = `audio ${output.sources.join('+')}${output.language ? ` (${output.language})` : ''}`;
      const applied = loudnessFilter(measured, target, preset.audio.sampleRate, name, measurements.afterLimit?.[i]);
      decisions.push(applied.decision);
      if (applied.warning) warnings.push(applied.warning);
      if (applied.filter) chain += `,${applied.filter}`;
    }
    return `${chain}[a${i}]`;
  });
  if (!target && outputs.length > 0)
    decisions.push({ subject: 'loudness', from: 'as mixed', to: 'kept (the preset sets no loudness target)' });
  const subtitles = probe.subtitles;
  if (subtitles.length > 0) {
    const carried = subtitles.filter((s) => s.kind === 'text');
    const dropped = subtitles.filter((s) => s.kind !== 'text');
    if (carried.length > 0) {
      const to = preset.kind === 'mp4' ? 'MP4 timed text (mov_text)' : 'WebVTT subtitle renditions';
      decisions.push({ subject: 'subtitles', from: `${carried.length} text subtitle track(s)`, to });
    }
    if (dropped.length > 0) {
      const what = dropped.map((s) => `${s.index} (${s.codec}${s.language ? `, ${s.language}` : ''})`).join(', ');
      decisions.push({ subject: 'subtitles', from: `bitmap subtitle ${what}`, to: 'not carried' });
      warnings.push(`subtitle track(s) ${what} are not carried: bitmap subtitles cannot become text without OCR`);
    }
  }
  if (probe.timecode)
    decisions.push({ subject: 'timecode', from: probe.timecode, to: 'recorded in the manifest (delivery formats carry none)' });
  const videoHead = [`[0:${probe.video.index}]${[...video.filters, `fps=${formatRate(rate)}`].join(',')}`];
  return { rate, videoHead: videoHead.join(''), audio: outputs, audioGraph, decisions, warnings };
}

const languageArgs = (audio: AudioOutput[], offset = 0): string[] =>
  audio.flatMap((a, i) => (a.language ? [`-metadata:s:a:${i + offset}`, `language=${a.language}`] : []));

/** The alternate renditions of an HLS encode: what MpegFlow writes into ffmpeg's master playlist (names, subtitles) once it is done. */
export interface HlsRenditions {
  audio: { folder: string; name: string; language: string | null; default: boolean }[];
  subtitles: { file: string; playlist: string; name: string; language: string | null; default: boolean; forced: boolean }[];
}

/** Folder and file names for alternate renditions: by language, numbered when a language repeats or is unknown, never a rung's name. */
function renditionNames(prefix: string, languages: (string | null)[], taken: string[]): string[] {
  const names: string[] = [];
  languages.forEach((language, i) => {
    let name = language && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(language) ? `${prefix}_${language}` : `${prefix}_${i + 1}`;
    while (names.includes(name) || taken.includes(name)) name = `${name}_${i + 1}`;
    names.push(name);
  });
  return names;
}

/**
 * The ladder in one ffmpeg run: every rung from one decode, audio encoded
 * once per language into one alternate-audio group that every rung refers
 * to (EXT-X-MEDIA), and each text subtitle track as a WebVTT rendition.
 */
function planHls(preset: HlsPreset, probe: ProbeResult, measurements: PlanMeasurements): EncodePlan {
  const treatment = deliveryTreatment(preset, probe, measurements);
  const { rate, audio } = treatment;
  const rungs = selectRungs(preset, probe);
  const sizes = rungs.map((r) => fitSize(probe, r.height));
  const n = rungs.length;
  const splitLabels = rungs.map((_, i) => `[s${i}]`).join('');
  const graph = [
    `${treatment.videoHead},split=${n}${splitLabels}`,
    ...sizes.map((size, i) => `[s${i}]${scaleChain(size)},format=${preset.video.pixelFormat}[v${i}]`),
    ...treatment.audioGraph,
  ].join(';');
  const gop = Math.max(1, Math.round(rationalValue(rate) * preset.segmentSeconds));
  const args: string[] = ['-filter_complex', graph];
  rungs.forEach((_, i) => args.push('-map', `[v${i}]`));
  audio.forEach((_, i) => args.push('-map', `[a${i}]`));
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
  // the group is shared by every rung: it gets the top rung's audio bitrate
  const audioBitrate = rungs[0]!.audioBitrate;
  const audioFolders = renditionNames(
    'audio',
    audio.map((a) => a.language),
    rungs.map((r) => r.name),
  );
  if (audio.length > 0) {
    args.push('-c:a', 'aac', '-ac', String(preset.audio.channels), '-ar', String(preset.audio.sampleRate), '-b:a', audioBitrate);
    args.push(...languageArgs(audio));
  }
  const group = audio.length > 0 ? ',agroup:audio' : '';
  const streamMap = [
    ...rungs.map((r, i) => `v:${i}${group},name:${r.name}`),
    ...audio.map(
      (a, i) => `a:${i},agroup:audio,name:${audioFolders[i]}${a.language ? `,language:${a.language}` : ''}${i === 0 ? ',default:yes' : ''}`,
    ),
  ].join(' ');
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
  const text = probe.subtitles.filter((s) => s.kind === 'text');
  const subtitleNames = renditionNames(
    'subtitles',
    text.map((s) => s.language),
    [...rungs.map((r) => r.name), ...audioFolders],
  );
  const subtitles = text.map((s, i) => ({
    file: `${subtitleNames[i]}.vtt`,
    playlist: `${subtitleNames[i]}.m3u8`,
    name: s.title ?? s.language ?? `Subtitles ${i + 1}`,
    language: s.language,
    default: s.default,
    forced: s.forced,
  }));
  // each subtitle track as one WebVTT file, from the same run
  text.forEach((s, i) => args.push('-map', `0:${s.index}`, '-c:s', 'webvtt', '-f', 'webvtt', subtitles[i]!.file));
  const folders = [...rungs.map((r) => r.name), ...audioFolders];
  return {
    kind: 'hls',
    renditions: rungs.map((r, i) => ({
      name: r.name,
      width: sizes[i]!.width,
      height: sizes[i]!.height,
      frameRate: formatRate(rate),
      videoBitrate: r.videoBitrate,
      audioBitrate: audio.length > 0 ? audioBitrate : null,
    })),
    passes: [
      {
        stage: 'encode',
        input: { kind: 'source' },
        outputArgs: args,
        renditions: rungs.map((r) => r.name),
        folders,
        outputs: ['master.m3u8', ...folders, ...subtitles.flatMap((s) => [s.file, s.playlist])],
      },
    ],
    streamingSegments: true,
    durationChecks: folders.map((folder) => ({ output: `${folder}/index.m3u8`, kind: 'hls-playlist' as const })),
    expectedDurationSeconds: probe.durationSeconds,
    hls: {
      audio: audio.map((a, i) => ({
        folder: audioFolders[i]!,
        name: a.title ?? a.language ?? 'Main',
        language: a.language,
        default: i === 0,
      })),
      subtitles,
    },
    decisions: treatment.decisions,
    warnings: treatment.warnings,
  };
}

function planMp4(preset: Mp4Preset, probe: ProbeResult, measurements: PlanMeasurements): EncodePlan {
  const treatment = deliveryTreatment(preset, probe, measurements);
  const { rate, audio } = treatment;
  const size = fitSize(probe, preset.video.maxHeight);
  const gop = Math.max(1, Math.round(rationalValue(rate) * preset.video.keyframeSeconds));
  const graph = [`${treatment.videoHead},${scaleChain(size)},format=${preset.video.pixelFormat}[v]`, ...treatment.audioGraph].join(';');
  const args = ['-filter_complex', graph, '-map', '[v]', ...audio.flatMap((_, i) => ['-map', `[a${i}]`])];
  const subtitles = probe.subtitles.filter((s) => s.kind === 'text');
  for (const s of subtitles) args.push('-map', `0:${s.index}`);
  args.push(...h264Args(preset.video));
  args.push('-crf', String(preset.video.crf), '-g', String(gop));
  if (preset.video.maxRate) args.push('-maxrate', preset.video.maxRate, '-bufsize', preset.video.bufSize ?? preset.video.maxRate);
  if (audio.length > 0) {
    args.push('-c:a', 'aac', '-b:a', preset.audio.bitrate, '-ac', String(preset.audio.channels), '-ar', String(preset.audio.sampleRate));
    args.push(...languageArgs(audio));
    // the first track plays by default; the others are alternatives a player offers
    audio.forEach((_, i) => args.push(`-disposition:a:${i}`, i === 0 ? 'default' : '0'));
  }
  if (subtitles.length > 0) {
    args.push('-c:s', 'mov_text');
    subtitles.forEach((s, i) => {
      if (s.language) args.push(`-metadata:s:s:${i}`, `language=${s.language}`);
    });
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
        audioBitrate: audio.length > 0 ? preset.audio.bitrate : null,
      },
    ],
    passes: [{ stage: 'encode', input: { kind: 'source' }, outputArgs: args, renditions: [name], outputs: [preset.output] }],
    streamingSegments: false,
    durationChecks: [{ output: preset.output, kind: 'media' }],
    expectedDurationSeconds: probe.durationSeconds,
    decisions: treatment.decisions,
    warnings: treatment.warnings,
  };
}

function planArchive(preset: ArchivePreset, probe: ProbeResult): EncodePlan {
  const { args, decisions, warnings } = archiveArgs(preset, probe);
  const hashArgs = losslessHashArgs(probe);
  // the master keeps the picture as coded: turning it upright would change every pixel's place
  const inputArgs = ['-noautorotate'];
  const fixityArgs = [...hashArgs, '-f', 'framemd5', preset.fixity.output];
  return {
    kind: 'archive',
    renditions: [
      { name: preset.name, width: probe.video.width, height: probe.video.height, frameRate: null, videoBitrate: null, audioBitrate: null },
    ],
    passes: [
      { stage: 'encode', input: { kind: 'source' }, inputArgs, outputArgs: args, renditions: [preset.name], outputs: [preset.output] },
      {
        stage: 'fixity',
        input: { kind: 'output', name: preset.output },
        inputArgs,
        outputArgs: fixityArgs,
        renditions: [preset.name],
        outputs: [preset.fixity.output],
      },
    ],
    streamingSegments: false,
    durationChecks: [{ output: preset.output, kind: 'media' }],
    expectedDurationSeconds: probe.durationSeconds,
    lossless: { inputArgs, hashArgs, sidecar: preset.fixity.output },
    decisions: [{ subject: 'scan', from: scanWords(probe.video.scan.order), to: 'kept (field order recorded)' }, ...decisions],
    warnings,
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
  const treatment = videoTreatment(probe, { deinterlace: 'frame', pixelFormat: 'yuvj420p' });
  const graph = [
    `[0:${probe.video.index}]${treatment.filters.map((f) => `${f},`).join('')}split=2[p0][s0]`,
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
    decisions: treatment.decisions.filter((d) => d.subject === 'scan' || d.subject === 'colour' || d.subject === 'rotation'),
    warnings: [],
    spriteIndex: { sheet: sprite.output, index: sprite.index, columns, rows, tiles, intervalSeconds: interval, tileWidth: tile.width },
  };
}

export function planEncode(preset: PresetDefinition, probe: ProbeResult, measurements: PlanMeasurements = {}): EncodePlan {
  switch (preset.kind) {
    case 'hls':
      return planHls(preset, probe, measurements);
    case 'mp4':
      return planMp4(preset, probe, measurements);
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
