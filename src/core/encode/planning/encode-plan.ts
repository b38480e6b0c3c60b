import type { RenditionPlan } from '../outputs/manifest.ts';
import type { PresetDefinition } from '../presets/preset-model.ts';
import type { HlsRenditions } from './hls-packaging.ts';
import type { LadderAnalysis, PerTitleRung } from './per-title.ts';
import type { QualityPlan } from './quality.ts';
import type { Decision } from './treatments.ts';

/** The ffmpeg runs that make one source's outputs with one preset, and what is checked of them: what planning gives the pipeline. */

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
  /** HLS with a per-title ladder: what the samples measured, and each rung's rate chosen (or the rung dropped) with why. */
  perTitle?: { analysis: LadderAnalysis; rungs: PerTitleRung[] };
  /** Delivery presets with a quality gate: what is scored against what, once the renditions are made. */
  quality?: QualityPlan;
  /** Thumbnails: the sprite index to write once the sheet exists. */
  spriteIndex?: { sheet: string; index: string; columns: number; rows: number; tiles: number; intervalSeconds: number; tileWidth: number };
}
