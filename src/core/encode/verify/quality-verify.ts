import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from 'minio';
import { MpegflowError } from '../../errors.ts';
import type { ObjectLocation } from '../../endpoints/object-path.ts';
import { formatLocation } from '../../notation.ts';
import { storageFailure } from '../../s3/errors.ts';
import { withRetry } from '../../retry.ts';
import type { Tools } from '../ffmpeg/tools.ts';
import type { ProgressListener } from '../ffmpeg/progress.ts';
import { outputKey, outputPath, type DestinationLocation } from '../outputs/locations.ts';
import { encodeDifferences, type Manifest } from '../outputs/manifest.ts';
import { removeTree } from '../outputs/sink.ts';
import { clientFor, identifySource, openSourceAccess } from '../source/source-access.ts';
import { scoreRenditions, type QualityReport } from './quality-score.ts';

/**
 * `verify --quality`: the renditions of a published encode scored again
 * against the source, with the reference its manifest records, and compared
 * with the scores recorded at encode time. The source must be the version
 * that was encoded; a bucket's renditions are fetched to a temporary folder.
 */

/** How far a re-scored SSIM may stand from the recorded one (the same ffmpeg gives the same figures). */
export const SSIM_AGREEMENT = 0.001;
/** The same for PSNR, in dB. */
export const PSNR_AGREEMENT = 0.05;

export interface QualityRecheck {
  measured: QualityReport;
  /** Per rendition, the re-scored minus the recorded mean. */
  differences: { name: string; ssim: number; psnr: number }[];
  agrees: boolean;
}

export async function recheckQuality(options: {
  manifest: Manifest;
  destination: DestinationLocation;
  s3For?: (alias: string) => Client;
  tools: Tools;
  signal?: AbortSignal;
  emit: ProgressListener;
  now: () => Date;
}): Promise<QualityRecheck> {
  const { manifest, destination, tools, signal, emit, now } = options;
  const recorded = manifest.quality;
  if (!recorded) {
    throw new MpegflowError(`the manifest of ${formatLocation(manifest.source)}'s encode records no quality scores`, {
      code: 'QUALITY_NOT_RECORDED',
      suggestion: `it was encoded without a quality gate (preset ${manifest.preset.name}); encode it again with --min-ssim or a preset with "quality" to score it`,
    });
  }
  const client = clientFor(options.s3For);
  const location: ObjectLocation = manifest.source;
  const identity = await identifySource(location, client);
  const changed = encodeDifferences(manifest, identity, manifest.preset);
  if (changed.length > 0) {
    throw new MpegflowError(`cannot score ${formatLocation(location)} again: ${changed.join('; ')}`, {
      code: 'SOURCE_CHANGED',
      suggestion: 'the scores recorded were measured against the source as it was; encode it again to score the new one',
    });
  }
  const media = await stageMedia(
    destination,
    recorded.renditions.map((r) => r.media),
    manifest,
    client,
  );
  const access = await openSourceAccess({ source: location }, identity, client);
  try {
    const names = recorded.renditions.map((r) => r.name);
    emit({ type: 'stage', stage: 'quality', state: 'start', at: now(), detail: names.join(', ') });
    const measured = await scoreRenditions({
      plan: {
        head: recorded.reference,
        frameStep: recorded.frameStep,
        frameRate: recorded.frameRate,
        thresholds: recorded.thresholds,
        renditions: recorded.renditions.map((r) => ({ name: r.name, media: r.media, reference: r.reference })),
      },
      source: access.input(),
      media: (name) => ({ url: `file:${outputPath(media.dir, name)}`, inputArgs: [] }),
      durationSeconds: manifest.media.durationSeconds,
      tools,
      signal,
      onProgress: (percent, etaSeconds) => emit({ type: 'quality', at: now(), renditions: names, percent, etaSeconds }),
    });
    const differences = measured.renditions.map((r) => {
      const before = recorded.renditions.find((x) => x.name === r.name)!;
      return {
        name: r.name,
        ssim: Number((r.ssim.mean - before.ssim.mean).toFixed(6)),
        psnr: Number((r.psnr.mean - before.psnr.mean).toFixed(3)),
      };
    });
    const agrees = differences.every((d) => Math.abs(d.ssim) <= SSIM_AGREEMENT && Math.abs(d.psnr) <= PSNR_AGREEMENT);
    emit({ type: 'stage', stage: 'quality', state: 'done', at: now(), detail: agrees ? 'the scores agree' : 'the scores differ' });
    return { measured, differences, agrees };
  } finally {
    await access.close();
    await media.close();
  }
}

/** Where the scored media can be read as files: the destination folder, or a bucket's renditions fetched to a temporary one. */
async function stageMedia(
  destination: DestinationLocation,
  media: string[],
  manifest: Manifest,
  client: (alias: string) => Client,
): Promise<{ dir: string; close: () => Promise<void> }> {
  if (destination.kind === 'local') return { dir: destination.path, close: async () => undefined };
  // an HLS rendition is its playlist and the segments beside it
  const folders = media.map((m) => (m.includes('/') ? `${path.posix.dirname(m)}/` : m));
  const wanted = manifest.outputs.filter((o) => folders.some((f) => o.name === f || (f.endsWith('/') && o.name.startsWith(f))));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mpegflow-verify-quality-'));
  const s3 = client(destination.alias);
  try {
    for (const output of wanted) {
      const file = outputPath(dir, output.name);
      await mkdir(path.dirname(file), { recursive: true });
      const key = outputKey(destination.prefix, output.name);
      try {
        await withRetry(() => s3.fGetObject(destination.bucket, key, file));
      } catch (error) {
        throw storageFailure(error, {
          alias: destination.alias,
          path: `${destination.alias}/${destination.bucket}/${key}`,
          action: 'read',
        });
      }
    }
  } catch (error) {
    await removeTree(dir);
    throw error;
  }
  return { dir, close: () => removeTree(dir) };
}
