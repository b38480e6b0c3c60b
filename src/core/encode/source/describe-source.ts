import type { Client } from 'minio';
import { MpegflowError } from '../../errors.ts';
import type { ObjectLocation } from '../../endpoints/object-path.ts';
import { formatLocation } from '../../notation.ts';
import { defaultTools, type Tools } from '../ffmpeg/tools.ts';
import { planMeasurements } from '../planning/measurements.ts';
import { planEncode } from '../planning/plan.ts';
import type { RenditionPlan } from '../outputs/manifest.ts';
import type { Decision } from '../planning/treatments.ts';
import type { Preset } from '../presets/preset-model.ts';
import type { Loudness } from './loudness.ts';
import { sourceMeasures } from './source-measures.ts';
import { cancelledError, probeSourceWith, type ProbeResult } from './probe.ts';
import { clientFor, identifySource, openSourceAccess } from './source-access.ts';

/** What `mpegflow probe` reports: the source description, its loudness when asked, and what a preset would do with it. */
export interface SourceReport {
  source: string;
  description: ProbeResult;
  /** Each audio track as it is in the source (--loudness), or null when not measured. */
  loudness: ({ index: number } & Loudness)[] | null;
  preset: PresetTreatment | null;
}

/** What an encode with the preset would do with the source. */
export interface PresetTreatment {
  name: string;
  renditions: RenditionPlan[];
  decisions: Decision[];
  warnings: string[];
}

export async function describeSource(options: {
  source: ObjectLocation;
  s3For?: (alias: string) => Client;
  preset?: Preset;
  loudness?: boolean;
  tools?: Tools;
  signal?: AbortSignal;
}): Promise<SourceReport> {
  const tools = options.tools ?? defaultTools();
  const client = clientFor(options.s3For);
  const identity = await identifySource(options.source, client);
  const access = await openSourceAccess({ source: options.source }, identity, client);
  try {
    const input = access.input(false);
    const measures = (streams: ProbeResult) => sourceMeasures({ input, probe: streams, tools, signal: options.signal });
    const preset = options.preset;
    const [description, measurements] = await probeSourceWith({ input, tools, signal: options.signal }, (streams) =>
      preset ? planMeasurements(preset.definition, streams, measures(streams)) : Promise.resolve(undefined),
    );
    const tracks = description.audioTracks;
    const loudness = options.loudness
      ? (await measures(description).loudness(tracks.map((t) => ({ chain: `[0:${t.index}]` })))).map((l, i) => ({
          index: tracks[i]!.index,
          ...l,
        }))
      : null;
    let treatment: SourceReport['preset'] = null;
    if (preset) {
      const plan = planEncode(preset.definition, description, measurements);
      treatment = { name: preset.name, renditions: plan.renditions, decisions: plan.decisions, warnings: plan.warnings };
    }
    return { source: formatLocation(options.source), description, loudness, preset: treatment };
  } catch (error) {
    throw error instanceof MpegflowError && options.signal?.aborted ? cancelledError() : error;
  } finally {
    await access.close();
  }
}
