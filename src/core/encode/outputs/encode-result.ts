import path from 'node:path';
import { formatDestination, MANIFEST_NAME, type DestinationLocation } from './locations.ts';
import {
  mpegflowVersion,
  type EncodeTimings,
  type Manifest,
  type ManifestPreset,
  type OutputRecord,
  type RenditionPlan,
  type SourceIdentity,
} from './manifest.ts';
import type { EncodePlan } from '../planning/encode-plan.ts';
import type { Decision } from '../planning/treatments.ts';
import type { Preset } from '../presets/preset-model.ts';
import type { ProbeResult } from '../source/probe.ts';
import type { LosslessProof } from '../verify/lossless.ts';
import type { QualityReport } from '../verify/quality-score.ts';
import type { RetentionSet } from '../../routing/retention.ts';

export interface EncodeResult {
  status: 'done' | 'skipped';
  source: SourceIdentity;
  destination: string;
  manifest: string;
  preset: ManifestPreset;
  durationSeconds: number;
  renditions: RenditionPlan[];
  outputs: OutputRecord[];
  bytesStored: number;
  attempts: number;
  timings: EncodeTimings;
  /** What the encode did with each thing the source carries (deinterlaced, tone-mapped, down-mixed, normalised...). */
  decisions: Decision[];
  /** What the operator should know that did not stop the encode (a clean-up the keys may not do, say). */
  warnings: string[];
  /** Each rendition's scores against the source, when the preset or the command line set a quality gate. */
  quality: QualityReport | null;
}

export function manifestLocation(destination: DestinationLocation): string {
  return destination.kind === 'local' ? path.join(destination.path, MANIFEST_NAME) : `${formatDestination(destination)}${MANIFEST_NAME}`;
}

export interface FinishedEncode {
  source: SourceIdentity;
  preset: Preset;
  /** ffmpeg's and ffprobe's versions. */
  tools: Omit<Manifest['tools'], 'mpegflow'>;
  probe: ProbeResult;
  plan: EncodePlan;
  outputs: OutputRecord[];
  attempts: number;
  /** Archives: the source decoded to the same frames and samples as the master. */
  lossless?: LosslessProof;
  quality?: QualityReport;
  timings: { startedAt: Date; finishedAt: Date; probeMs: number; encodeMs: number; uploadWaitMs: number };
}

/** What the manifest records of an encode: source version, preset definition, tools, media, outputs with their hashes. */
export function buildManifest({
  source,
  preset,
  tools,
  probe,
  plan,
  outputs,
  attempts,
  lossless,
  quality,
  timings,
}: FinishedEncode): Manifest {
  return {
    format: 'mpegflow-manifest',
    version: 1,
    createdAt: timings.finishedAt.toISOString(),
    source,
    preset: { name: preset.name, hash: preset.hash, kind: preset.definition.kind, origin: preset.origin },
    tools: { ...tools, mpegflow: mpegflowVersion() },
    media: {
      durationSeconds: probe.durationSeconds,
      width: probe.video.width,
      height: probe.video.height,
      videoCodec: probe.video.codec,
      frameRate: `${probe.video.frameRate.num}/${probe.video.frameRate.den}`,
      variableFrameRate: probe.video.variableFrameRate,
      audio: probe.audio !== null,
    },
    renditions: plan.renditions,
    sourceDescription: { ...probe },
    decisions: plan.decisions,
    outputs,
    fixity:
      preset.definition.kind === 'archive'
        ? {
            method: 'framemd5',
            media: preset.definition.output,
            sidecar: preset.definition.fixity.output,
            ...(plan.lossless ? { args: plan.lossless.hashArgs } : {}),
            ...(lossless ? { lossless } : {}),
          }
        : null,
    quality: quality ?? null,
    perTitle: plan.perTitle
      ? {
          targetSsim: plan.perTitle.analysis.targetSsim,
          samples: plan.perTitle.analysis.samples,
          analysisMs: plan.perTitle.analysis.analysisMs,
          probes: plan.perTitle.analysis.rungs,
          rungs: plan.perTitle.rungs,
        }
      : null,
    attempts,
    timings: {
      startedAt: timings.startedAt.toISOString(),
      finishedAt: timings.finishedAt.toISOString(),
      probeMs: timings.probeMs,
      encodeMs: timings.encodeMs,
      uploadWaitMs: timings.uploadWaitMs,
      totalMs: Math.max(0, timings.finishedAt.getTime() - timings.startedAt.getTime()),
    },
  };
}

export function doneResult(
  manifest: Manifest,
  stored: { display: string; bytesStored: number },
  destination: DestinationLocation,
): EncodeResult {
  return {
    status: 'done',
    source: manifest.source,
    destination: stored.display,
    manifest: manifestLocation(destination),
    preset: manifest.preset,
    durationSeconds: manifest.media.durationSeconds,
    renditions: manifest.renditions,
    outputs: manifest.outputs,
    bytesStored: stored.bytesStored,
    attempts: manifest.attempts,
    timings: manifest.timings,
    decisions: manifest.decisions ?? [],
    warnings: [],
    quality: manifest.quality ?? null,
  };
}

export function skippedResult(manifest: Manifest, display: string, destination: DestinationLocation): EncodeResult {
  return { ...doneResult(manifest, { display, bytesStored: 0 }, destination), status: 'skipped', attempts: 0 };
}

/** What `encode` reports: the encode, and the retention set on its stored outputs (--retain, --legal-hold). */
export type RetainedEncodeResult = EncodeResult & { retention?: RetentionSet | null };
