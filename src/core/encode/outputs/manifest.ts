import * as z from 'zod';
import { MpegflowError } from '../../errors.ts';
import { formatLocation } from '../../notation.ts';
import { checkSchema } from '../../schema/issues.ts';
import { isSafeOutputName, MANIFEST_NAME } from './locations.ts';
import { packageInfo } from '../../package-root.ts';
import { PRESET_KINDS, PRESET_ORIGINS } from '../presets/preset-model.ts';
import { DECISION_SUBJECTS } from '../planning/treatments.ts';

/**
 * The manifest is the "done" marker of an encode: written last, after every
 * output it lists is stored, so a consumer that waits for it never sees a
 * partial result, and `verify` can re-check every output later. The schema
 * below is its type, the check a manifest passes when it is read back, and
 * schemas/manifest.json for the consumers.
 */

export const MANIFEST_FORMAT = 'mpegflow-manifest';
export const MANIFEST_VERSION = 1;

const safeName = (what: string) => z.string().refine(isSafeOutputName, { error: `${what} would point outside the destination` });

/** What was encoded: enough to tell whether a later run would encode the same thing. */
export const sourceIdentity = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), path: z.string(), size: z.number(), modifiedAt: z.string() }),
  z.object({
    kind: z.literal('remote'),
    alias: z.string(),
    bucket: z.string(),
    key: z.string(),
    size: z.number(),
    etag: z.string(),
    versionId: z.string().nullable(),
    modifiedAt: z.string(),
  }),
]);
export type SourceIdentity = z.infer<typeof sourceIdentity>;

export const outputRecord = z.object({
  name: safeName('the output name')
    .refine((name) => name !== MANIFEST_NAME, { error: 'the output name would replace the manifest' })
    .describe('Path relative to the destination folder, e.g. "720p/seg_00003.ts".'),
  size: z.number(),
  sha256: z.string(),
  contentType: z.string(),
});
export type OutputRecord = z.infer<typeof outputRecord>;

export const renditionPlan = z.object({
  name: z.string(),
  width: z.number(),
  height: z.number(),
  frameRate: z.string().nullable(),
  videoBitrate: z
    .string()
    .nullable()
    .describe("HLS: the rung's target; MP4: the average its video came out at (made at a CRF under a cap)."),
  audioBitrate: z.string().nullable(),
});
export type RenditionPlan = z.infer<typeof renditionPlan>;

export const manifestPreset = z.object({
  name: z.string(),
  hash: z.string(),
  kind: z.enum(PRESET_KINDS),
  origin: z.enum(PRESET_ORIGINS),
});
export type ManifestPreset = z.infer<typeof manifestPreset>;

export const encodeTimings = z.object({
  startedAt: z.string(),
  finishedAt: z.string(),
  probeMs: z.number(),
  encodeMs: z.number(),
  uploadWaitMs: z.number(),
  totalMs: z.number(),
});
export type EncodeTimings = z.infer<typeof encodeTimings>;

export const manifestFixity = z.object({
  method: z.literal('framemd5'),
  media: safeName('the fixity media'),
  sidecar: safeName('the fixity sidecar'),
  args: z
    .array(z.string())
    .optional()
    .describe('The ffmpeg output options the sidecar was made with (absent: -map 0:v -map 0:a?, archives before the lossless proof).'),
  lossless: z
    .object({ method: z.literal('framemd5-decoded'), frames: z.number(), streams: z.number() })
    .optional()
    .describe('The source decoded to the same frames and samples as the master, checked during the encode.'),
});
export type ManifestFixity = z.infer<typeof manifestFixity>;

const metricScore = z.object({ mean: z.number(), min: z.number().describe('The worst scored frame.') });

export const manifestQuality = z
  .object({
    reference: z
      .string()
      .describe("The source's video chain every reference starts from (ffmpeg filters: deinterlace, tone map, frame rate)."),
    frameStep: z.number().describe('One frame in this many was scored, chosen by its time in the reference and the rendition alike.'),
    frameRate: z.string().describe("The renditions' frame rate, which numbers the frames by their time."),
    thresholds: z.object({ minSsim: z.number().nullable(), minPsnr: z.number().nullable(), minVmaf: z.number().nullable() }),
    vmaf: z.string().nullable().describe('Why VMAF has no scores, when it has none.'),
    renditions: z.array(
      z.object({
        name: z.string(),
        media: safeName('the scored media').describe('What was scored: an HLS media playlist or the MP4.'),
        reference: z
          .string()
          .describe("This rendition's end of the reference, after the source's chain: the scale to its size and its pixel format."),
        frames: z.number(),
        ssim: metricScore,
        psnr: metricScore.describe('dB; 100 for a frame identical to its reference.'),
        vmaf: metricScore.nullable(),
        below: z.array(z.string()),
      }),
    ),
    passed: z.boolean(),
  })
  .describe('delivery presets with a quality gate: each rendition scored against the source after the same treatment, at its size.');

const bitrateChoice = z.object({
  name: z.string(),
  fixedBitrate: z.string(),
  chosen: z.string().nullable().describe('null: the rung was dropped.'),
  why: z.string(),
});

export const manifestPerTitle = z
  .object({
    targetSsim: z.number(),
    samples: z.array(z.object({ start: z.number(), seconds: z.number() })),
    analysisMs: z.number(),
    probes: z.array(z.object({ name: z.string(), points: z.array(z.object({ crf: z.number(), bitrate: z.number(), ssim: z.number() })) })),
    rungs: z.array(bitrateChoice),
  })
  .describe(
    "HLS presets with a per-title ladder: the samples' probe encodes (bits per second and SSIM at each CRF), and each rung's rate chosen or the rung dropped, with why.",
  );

export const manifest = z.object({
  format: z.literal(MANIFEST_FORMAT, { error: `must be "${MANIFEST_FORMAT}"` }),
  version: z.literal(MANIFEST_VERSION, { error: `unsupported (this MpegFlow reads version ${MANIFEST_VERSION})` }),
  createdAt: z.string(),
  source: sourceIdentity,
  preset: manifestPreset,
  tools: z.object({ ffmpeg: z.string(), ffprobe: z.string(), mpegflow: z.string() }),
  media: z.object({
    durationSeconds: z.number(),
    width: z.number(),
    height: z.number(),
    videoCodec: z.string(),
    frameRate: z.string(),
    variableFrameRate: z.boolean(),
    audio: z.boolean(),
  }),
  renditions: z.array(renditionPlan),
  sourceDescription: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('What the source carries, as `mpegflow probe --json` says it: streams, scan, colour, audio tracks, subtitles, timecode.'),
  decisions: z
    .array(z.object({ subject: z.enum(DECISION_SUBJECTS), from: z.string(), to: z.string() }))
    .optional()
    .describe('What the encode did with each thing the source carries.'),
  outputs: z.array(outputRecord),
  fixity: manifestFixity.nullable().describe('archive presets: the media file and the per-frame checksum sidecar made from it.'),
  quality: manifestQuality.nullable().optional(),
  perTitle: manifestPerTitle.nullable().optional(),
  attempts: z.number(),
  timings: encodeTimings,
});
export type Manifest = z.infer<typeof manifest>;

export function mpegflowVersion(): string {
  return packageInfo().version;
}

export function serializeManifest(manifest: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
}

function invalid(where: string, why: string): MpegflowError {
  return new MpegflowError(`${where} is not a valid MpegFlow manifest: ${why}`, {
    code: 'MANIFEST_INVALID',
    suggestion: 'the manifest was edited or damaged; encode again with --force to replace it and its outputs',
  });
}

/** Parses and checks a manifest; output names that could leave the destination are refused. */
export function parseManifest(data: Buffer | string, where: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(data.toString());
  } catch (error) {
    throw invalid(where, `not JSON (${(error as Error).message})`);
  }
  const checked = checkSchema(manifest, value);
  if (checked.ok) return checked.value;
  // another kind of file, or another version: say that, not every field it lacks
  throw invalid(where, checked.problems.find((p) => /^(format|version):/.test(p)) ?? checked.problems.join('; '));
}

/** The same place, by its name (local path or ALIAS/BUCKET/KEY). */
function sameLocation(a: SourceIdentity, b: SourceIdentity): boolean {
  if (a.kind === 'local' && b.kind === 'local') return a.path === b.path;
  if (a.kind === 'remote' && b.kind === 'remote') return a.alias === b.alias && a.bucket === b.bucket && a.key === b.key;
  return false;
}

/**
 * How this run differs from the encode a manifest records, in words for the
 * operator (empty: the same encode, which a re-run skips). A changed source
 * is told by its size, modification time, ETag or version.
 */
export function encodeDifferences(manifest: Manifest, source: SourceIdentity, preset: { name: string; hash: string }): string[] {
  const differences: string[] = [];
  const recorded = manifest.source;
  if (manifest.preset.name !== preset.name)
    differences.push(`it was made with the preset ${manifest.preset.name}, this run uses ${preset.name}`);
  else if (manifest.preset.hash !== preset.hash) differences.push(`the settings of the preset ${preset.name} changed since`);
  if (!sameLocation(recorded, source)) return [...differences, `it was made from another source (${formatLocation(recorded)})`];
  const changed: string[] = [];
  if (recorded.size !== source.size) changed.push(`size ${recorded.size} → ${source.size} bytes`);
  if (recorded.kind === 'remote' && source.kind === 'remote') {
    if (recorded.etag !== source.etag) changed.push(`ETag ${recorded.etag} → ${source.etag}`);
    if (recorded.versionId !== source.versionId) changed.push(`version ${recorded.versionId ?? 'none'} → ${source.versionId ?? 'none'}`);
  } else if (recorded.modifiedAt !== source.modifiedAt) changed.push(`modified ${recorded.modifiedAt} → ${source.modifiedAt}`);
  if (changed.length > 0) differences.push(`the source changed since it was made (${changed.join(', ')})`);
  return differences;
}
