import type { PresetDefinition } from '../presets/preset-model.ts';
import type { KeyframeSpacing } from '../source/keyframes.ts';
import type { Loudness, LoudnessInput } from '../source/loudness.ts';
import type { ProbeResult } from '../source/probe.ts';
import { loudnessMeasurements, type PlanMeasurements } from './delivery.ts';
import { packageRefusal } from './package.ts';

/** How the source is measured: ffmpeg's ebur128 over filter chains, ffprobe over the picture's packets. */
export interface SourceMeasures {
  loudness: (inputs: LoudnessInput[]) => Promise<Loudness[]>;
  keyframes: (segmentSeconds: number) => Promise<KeyframeSpacing>;
}

/**
 * What the plan needs measured before it is made: the loudness a delivery
 * preset normalises to; a package's keyframes, once the probe has shown that
 * its picture can be packaged at all (a refusal reads nothing more).
 */
export async function planMeasurements(preset: PresetDefinition, probe: ProbeResult, measure: SourceMeasures): Promise<PlanMeasurements> {
  if (preset.kind !== 'package') return loudnessMeasurements(preset, probe, measure.loudness);
  const refusal = packageRefusal(probe);
  if (refusal) throw refusal;
  return { keyframes: await measure.keyframes(preset.segmentSeconds) };
}
