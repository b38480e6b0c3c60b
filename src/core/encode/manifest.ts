import { MpegflowError } from '../errors.ts';
import { isSafeOutputName, MANIFEST_NAME } from './locations.ts';
import { packageInfo } from './package-root.ts';
import type { RenditionPlan } from './plan.ts';
import type { PresetKind, PresetOrigin } from './preset-model.ts';

/**
 * The manifest is the "done" marker of an encode: written last, after every
 * output it lists is stored, so a consumer that waits for it never sees a
 * partial result, and `verify` can re-check every output later.
 */

export const MANIFEST_FORMAT = 'mpegflow-manifest';
export const MANIFEST_VERSION = 1;

/** What was encoded: enough to tell whether a later run would encode the same thing. */
export type SourceIdentity =
  | { kind: 'local'; path: string; size: number; modifiedAt: string }
  | {
      kind: 'remote';
      alias: string;
      bucket: string;
      key: string;
      size: number;
      etag: string;
      versionId: string | null;
      modifiedAt: string;
    };

export interface OutputRecord {
  /** Path relative to the destination folder, e.g. "720p/seg_00003.ts". */
  name: string;
  size: number;
  sha256: string;
  contentType: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  createdAt: string;
  source: SourceIdentity;
  preset: { name: string; hash: string; kind: PresetKind; origin: PresetOrigin };
  tools: { ffmpeg: string; ffprobe: string; mpegflow: string };
  media: {
    durationSeconds: number;
    width: number;
    height: number;
    videoCodec: string;
    frameRate: string;
    variableFrameRate: boolean;
    audio: boolean;
  };
  renditions: RenditionPlan[];
  outputs: OutputRecord[];
  /** archive presets: the media file and the per-frame checksum sidecar made from it. */
  fixity: { method: 'framemd5'; media: string; sidecar: string } | null;
  attempts: number;
  timings: { startedAt: string; finishedAt: string; probeMs: number; encodeMs: number; uploadWaitMs: number; totalMs: number };
}

export function mpegflowVersion(): string {
  return packageInfo().version;
}

export function serializeManifest(manifest: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
}

function invalid(where: string, why: string): MpegflowError {
  return new MpegflowError(`${where} is not a valid MpegFlow manifest: ${why}`, {
    code: 'MANIFEST_INVALID',
    suggestion: 'the manifest was edited or damaged; re-run the encode to write a fresh one',
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
  const m = value as Partial<Manifest>;
  if (!m || typeof m !== 'object' || m.format !== MANIFEST_FORMAT) throw invalid(where, `"format" is not "${MANIFEST_FORMAT}"`);
  if (m.version !== MANIFEST_VERSION) throw invalid(where, `unsupported version ${String(m.version)}`);
  if (!Array.isArray(m.outputs)) throw invalid(where, '"outputs" is missing');
  for (const output of m.outputs) {
    if (!output || typeof output.name !== 'string' || typeof output.size !== 'number' || typeof output.sha256 !== 'string') {
      throw invalid(where, 'an output lacks name, size or sha256');
    }
    if (!isSafeOutputName(output.name) || output.name === MANIFEST_NAME) {
      throw invalid(where, `the output name ${JSON.stringify(output.name)} would point outside the destination`);
    }
  }
  if (m.fixity && (!isSafeOutputName(m.fixity.media) || !isSafeOutputName(m.fixity.sidecar)))
    throw invalid(where, 'the fixity entry names an unsafe path');
  if (!m.source || !m.preset) throw invalid(where, '"source" or "preset" is missing');
  return m as Manifest;
}

/** True when an existing manifest records the same source version encoded with the same preset definition. */
export function sameEncode(manifest: Manifest, source: SourceIdentity, presetHash: string): boolean {
  if (manifest.preset.hash !== presetHash) return false;
  const a = manifest.source;
  if (a.kind !== source.kind || a.size !== source.size) return false;
  if (a.kind === 'local' && source.kind === 'local') return a.path === source.path && a.modifiedAt === source.modifiedAt;
  if (a.kind === 'remote' && source.kind === 'remote') {
    return (
      a.alias === source.alias &&
      a.bucket === source.bucket &&
      a.key === source.key &&
      a.etag === source.etag &&
      a.versionId === source.versionId
    );
  }
  return false;
}
