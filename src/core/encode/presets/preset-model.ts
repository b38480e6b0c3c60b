import * as z from 'zod';

/**
 * Encoding presets are data (JSON files). The schemas below are both the
 * check a preset file must pass and, through `z.infer`, the types the
 * pipeline works with; `npm run schemas` writes them out as
 * schemas/preset.json for people who write presets. One `kind` per output
 * format; the pipeline turns a preset plus the probe of a source into ffmpeg
 * arguments. Unknown keys are refused: a typo must not be silently ignored.
 */

export const PRESET_KINDS = ['hls', 'mp4', 'archive', 'thumbnails', 'package'] as const;
export const X264_SPEEDS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const;

/** A plain file or folder name: no separators, no leading dot, so an output can never leave its destination. */
export const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const str = (pattern: RegExp, what: string) => z.string({ error: `must be ${what}` }).regex(pattern, { error: `must be ${what}` });

const num = (min: number, max: number, integer = false) => {
  const error = `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`;
  const n = z.number({ error }).min(min, { error }).max(max, { error });
  return integer ? n.int({ error }) : n;
};

const evenInt = (min: number, max: number) => {
  const error = `must be an even integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error }).multipleOf(2, { error });
};

const oneOf = <const T extends readonly [z.core.util.Literal, ...z.core.util.Literal[]]>(...allowed: T) =>
  z.literal(allowed, { error: `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}` });

const bool = z.boolean({ error: 'must be true or false' });

const object = <S extends z.ZodRawShape>(shape: S) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown setting (allowed: ${Object.keys(shape).join(', ')})` : 'must be an object',
  });

const list = <T extends z.ZodType>(item: T, min: number, max: number) => {
  const error = `must be a list of ${min} to ${max} entries`;
  return z.array(item, { error }).min(min, { error }).max(max, { error });
};

const outputName = (extension: string) =>
  str(new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\.${extension}$`), `a plain file name ending in .${extension} (letters, digits, . _ -)`);

/** A bitrate as ffmpeg reads it: "5000k", "5M" or bits per second. */
const bitrate = str(/^[1-9][0-9]*(\.[0-9]+)?[kM]?$/, 'a bitrate such as "2800k" or "5M"');

const common = {
  name: str(SAFE_NAME, 'a name of letters, digits, . _ - (at most 64)'),
  description: str(/^.{1,300}$/s, 'a short description'),
};

const h264 = {
  codec: oneOf('libx264'),
  speed: oneOf(...X264_SPEEDS),
  profile: oneOf('baseline', 'main', 'high'),
  pixelFormat: oneOf('yuv420p'),
  /** Sources above this frame rate are encoded at it; every output is constant frame rate. */
  maxFrameRate: num(1, 240),
  tune: oneOf('film', 'animation', 'grain', 'fastdecode', 'zerolatency').optional(),
  /** Interlaced sources: "frame" makes a progressive frame of each frame (50i -> 25p, the default), "field" one of each field (50i -> 50p). */
  deinterlace: oneOf('frame', 'field').optional(),
  /** HDR sources (HDR10, HLG): tone-mapped to SDR BT.709, the only form 8-bit H.264 can show right ("keep" comes with 10-bit HEVC presets). */
  hdr: oneOf('tonemap').optional(),
};

const aac = {
  codec: oneOf('aac'),
  channels: oneOf(1, 2),
  sampleRate: oneOf(44100, 48000),
  /**
   * Loudness normalisation (two passes: measured, then applied, linearly where the ceiling allows): -23 LUFS for
   * EBU R128 broadcast, -24 for ATSC A/85, about -16 for streaming. Absent: the source's loudness is kept.
   */
  loudness: object({ integratedLufs: num(-31, -5), truePeakDbtp: num(-9, 0) }).optional(),
};

/**
 * The quality gate: each rendition is scored against the source after the same treatment, scaled to its
 * size, and one below a threshold fails the encode before anything is published. SSIM and PSNR are
 * ffmpeg's (mean over the scored frames); VMAF needs an ffmpeg built with libvmaf.
 */
const quality = object({
  minSsim: num(0, 1).optional(),
  minPsnr: num(0, 100).optional(),
  minVmaf: num(0, 100).optional(),
  /** Score one frame in this many (1: every frame); the scores' cost falls with it, as VMAF's n_subsample does. */
  frameStep: num(1, 10, true).optional(),
});

/** Checks the shapes cannot express; they run once the shape is right. */
const whenShapeValid = { when: (payload: z.core.ParsePayload) => payload.issues.length === 0 };

const hlsPreset = object({
  ...common,
  kind: z.literal('hls'),
  video: object(h264),
  audio: object(aac),
  segmentSeconds: num(1, 30),
  quality: quality.optional(),
  /**
   * Per-title ladder: each rung's bitrate chosen from probe encodes of samples of the source to reach this SSIM,
   * never above the rung's own; a rung that would cost more than 80% of the one above it is dropped.
   */
  perTitle: object({
    targetSsim: num(0.5, 0.999),
    /** How many samples, spread over the title (default 3), and how long each is (seconds, default 2). */
    samples: num(1, 10, true).optional(),
    sampleSeconds: num(1, 10).optional(),
  }).optional(),
  /** Highest first; rungs above the source are dropped, at least one is kept. */
  renditions: list(
    object({
      /** Folder and variant name in the output, e.g. "720p". */
      name: str(SAFE_NAME, 'a folder name of letters, digits, . _ - (no slashes)'),
      /** Lines of the output (the short side of a portrait source). */
      height: evenInt(64, 4320),
      videoBitrate: bitrate,
      maxRate: bitrate,
      bufSize: bitrate,
      audioBitrate: bitrate,
    }),
    1,
    10,
  ),
}).superRefine((preset, ctx) => {
  const names = preset.renditions.map((r) => r.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) ctx.addIssue({ code: 'custom', path: ['renditions'], message: `the name "${dup}" is used twice` });
  for (let i = 1; i < preset.renditions.length; i++) {
    if (preset.renditions[i]!.height >= preset.renditions[i - 1]!.height) {
      ctx.addIssue({
        code: 'custom',
        path: ['renditions', i, 'height'],
        message: 'rungs must be listed highest first, each lower than the one before',
      });
    }
  }
}, whenShapeValid);

const mp4Preset = object({
  ...common,
  kind: z.literal('mp4'),
  output: outputName('mp4'),
  video: object({
    ...h264,
    maxHeight: evenInt(64, 4320),
    crf: num(0, 51, true),
    maxRate: bitrate.optional(),
    bufSize: bitrate.optional(),
    keyframeSeconds: num(0.1, 20),
  }),
  audio: object({ ...aac, bitrate }),
  quality: quality.optional(),
});

const archivePreset = object({
  ...common,
  kind: z.literal('archive'),
  output: outputName('mkv'),
  video: object({ codec: oneOf('ffv1'), level: oneOf(3), slices: oneOf(4, 6, 9, 12, 16, 24, 30), sliceCrc: bool }),
  audio: object({ codec: oneOf('flac') }),
  fixity: object({ format: oneOf('framemd5'), output: outputName('framemd5') }),
});

const thumbnailsPreset = object({
  ...common,
  kind: z.literal('thumbnails'),
  poster: object({ output: outputName('jpg'), atPercent: num(0, 99), maxHeight: evenInt(64, 4320), quality: num(1, 31, true) }),
  sprite: object({
    output: outputName('jpg'),
    index: outputName('vtt'),
    columns: num(1, 30, true),
    rows: num(1, 30, true),
    tileWidth: evenInt(32, 640),
    minIntervalSeconds: num(0.1, 3600),
    quality: num(1, 31, true),
  }),
}).superRefine((preset, ctx) => {
  if (preset.poster.output === preset.sprite.output)
    ctx.addIssue({ code: 'custom', path: ['sprite', 'output'], message: 'must differ from poster.output' });
}, whenShapeValid);

/**
 * A delivery package made of the source's own coded streams, not re-encoded: for a mezzanine already
 * encoded for delivery, where the encode would only cost time and quality. A source the package cannot
 * carry as it is (its codec, an interlaced or rotated picture, keyframes further apart than a segment) is
 * refused before anything is written.
 */
const packagePreset = object({
  ...common,
  kind: z.literal('package'),
  /** HLS in MPEG-TS segments (the delivery presets' packaging). */
  format: oneOf('hls-mpegts'),
  segmentSeconds: num(1, 30),
});

/** A preset file: one of the kinds, told apart by `kind`. */
export const presetDefinition = z.discriminatedUnion('kind', [hlsPreset, mp4Preset, archivePreset, thumbnailsPreset, packagePreset], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `must be one of ${PRESET_KINDS.map((k) => JSON.stringify(k)).join(', ')}`
      : 'the preset must be a JSON object',
});

export type PresetDefinition = z.infer<typeof presetDefinition>;
export type PresetKind = (typeof PRESET_KINDS)[number];
export type HlsPreset = z.infer<typeof hlsPreset>;
export type Mp4Preset = z.infer<typeof mp4Preset>;
export type ArchivePreset = z.infer<typeof archivePreset>;
export type ThumbnailsPreset = z.infer<typeof thumbnailsPreset>;
export type PackagePreset = z.infer<typeof packagePreset>;
export type QualitySettings = z.infer<typeof quality>;

export const PRESET_ORIGINS = ['built-in', 'user', 'file'] as const;
export type PresetOrigin = (typeof PRESET_ORIGINS)[number];

/** A validated preset and where it came from; `hash` identifies its definition (sha256 of canonical JSON). */
export interface Preset {
  name: string;
  origin: PresetOrigin;
  file: string;
  hash: string;
  definition: PresetDefinition;
}
