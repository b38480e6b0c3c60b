import type { Tools } from '../ffmpeg/tools.ts';
import type { SourceMeasures } from '../planning/measurements.ts';
import { measureKeyframes } from './keyframes.ts';
import { measureLoudness } from './loudness.ts';
import type { ProbeInput, ProbeResult } from './probe.ts';

/** The measures of one source, read as ffprobe read it (a path, or the relay's URL, never shown). */
export function sourceMeasures(options: { input: ProbeInput; probe: ProbeResult; tools: Tools; signal?: AbortSignal }): SourceMeasures {
  const { input, probe, tools, signal } = options;
  const secrets = [input.url];
  return {
    loudness: (inputs) =>
      measureLoudness({ url: input.url, inputArgs: input.inputArgs ?? [], inputs, tools, signal, secrets, display: input.display }),
    keyframes: (segmentSeconds) => measureKeyframes({ input, probe, segmentSeconds, tools, signal, secrets }),
  };
}
