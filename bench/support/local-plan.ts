import { defaultTools } from '../../src/core/encode/ffmpeg/tools.ts';
import { planMeasurements } from '../../src/core/encode/planning/delivery.ts';
import { planEncode, type EncodePlan } from '../../src/core/encode/planning/plan.ts';
import type { PresetDefinition } from '../../src/core/encode/presets/preset-model.ts';
import { measureLoudness } from '../../src/core/encode/source/loudness.ts';
import { probeSource } from '../../src/core/encode/source/probe.ts';

/** The plan MpegFlow makes for a local file (probe, loudness measured when the preset asks), for benches that run its ffmpeg command by hand. */
export async function localPlan(file: string, definition: PresetDefinition): Promise<EncodePlan> {
  const tools = defaultTools();
  const input = { url: `file:${file}`, display: file, inputArgs: [] };
  const probe = await probeSource({ input, tools });
  const measurements = await planMeasurements(definition, probe, (inputs) =>
    measureLoudness({ ...input, inputs, tools, secrets: [], display: file }),
  );
  return planEncode(definition, probe, measurements);
}
