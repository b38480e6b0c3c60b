import path from 'node:path';
import { hostName } from '../host.ts';
import { formatLocation } from '../notation.ts';
import { defaultDestination, formatDestination, type DestinationLocation } from '../encode/outputs/locations.ts';
import type { Preset } from '../encode/presets/preset-model.ts';
import type { JobSpec } from './model.ts';
import type { ExpandedSource } from './sources.ts';

function withoutExtension(relative: string): string {
  const ext = path.extname(relative);
  return ext ? relative.slice(0, -ext.length) : relative;
}

/** Where each source's outputs go: beside the source; or --to itself for one source; or one folder per source under --to. */
export function destinationFor(
  source: ExpandedSource,
  preset: Preset,
  to: DestinationLocation | null,
  single: boolean,
): DestinationLocation {
  if (!to) return defaultDestination(source.location, preset.name);
  if (single) return to;
  const folder = `${withoutExtension(source.relative).split(path.sep).join('/')}.${preset.name}`;
  return to.kind === 'local' ? { kind: 'local', path: path.join(to.path, folder) } : { ...to, prefix: `${to.prefix}/${folder}` };
}

/** Endpoints the job touches; local files tie it to the host that holds them. */
export function jobNeeds(source: ExpandedSource['location'], destination: DestinationLocation, host: string): string[] {
  return [source, destination].map((l) => (l.kind === 'remote' ? `endpoint:${l.alias}` : `host:${host}`));
}

export interface PlainSubmit {
  preset: Preset;
  to: DestinationLocation | null;
  priority: number;
  /** One source given as a file or object (not a folder or prefix): its outputs go into --to itself. */
  single: boolean;
  customer: string | null;
  class: string | null;
  host?: string;
}

/** One job per source, with one preset and destination rule for all of them. */
export async function* jobSpecs(sources: AsyncIterable<ExpandedSource[]>, options: PlainSubmit): AsyncGenerator<JobSpec[]> {
  const { preset, to, priority, single, host = hostName() } = options;
  const presetFile = preset.origin === 'file' ? preset.file : null;
  for await (const group of sources) {
    yield group.map((source) => {
      const destination = destinationFor(source, preset, to, single);
      return {
        source: formatLocation(source.location),
        sourceIdentity: source.identity,
        preset: preset.name,
        presetFile,
        presetHash: preset.hash,
        destination: formatDestination(destination),
        priority,
        needs: jobNeeds(source.location, destination, host),
        customer: options.customer,
        class: options.class,
      };
    });
  }
}
