import { defaultTools } from '../../src/core/encode/ffmpeg/tools.ts';
import { planMeasurements } from '../../src/core/encode/planning/measurements.ts';
import type { EncodePlan } from '../../src/core/encode/planning/encode-plan.ts';
import { planEncode } from '../../src/core/encode/planning/plan.ts';
import type { PresetDefinition } from '../../src/core/encode/presets/preset-model.ts';
import { sourceMeasures } from '../../src/core/encode/source/source-measures.ts';
import { probeSource } from '../../src/core/encode/source/probe.ts';

/** The plan MpegFlow makes for a local file (probe, loudness measured when the preset asks), for benches that run its ffmpeg command by hand. */
export async function localPlan(file: string, definition: PresetDefinition): Promise<EncodePlan> {
  const tools = defaultTools();
  const input = { url: `file:${file}`, display: file, inputArgs: [] };
  const probe = await probeSource({ input, tools });
  const measurements = await planMeasurements(definition, probe, sourceMeasures({ input, probe, tools }));
  return planEncode(definition, probe, measurements);
}
