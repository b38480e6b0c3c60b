import { realpathSync } from 'node:fs';
import path from 'node:path';
import { MpegflowError } from '../../errors.ts';
import type { ObjectLocation } from '../../endpoints/object-path.ts';
import { formatLocation } from '../../notation.ts';

/** Where an encode writes: a local folder, or a prefix (folder) in a bucket. */
export type DestinationLocation = { kind: 'local'; path: string } | { kind: 'remote'; alias: string; bucket: string; prefix: string };

export const MANIFEST_NAME = 'manifest.json';

export function formatDestination(destination: DestinationLocation): string {
  return destination.kind === 'local' ? destination.path : `${destination.alias}/${destination.bucket}/${destination.prefix}/`;
}

function unsafePath(what: string, value: string, why: string): MpegflowError {
  return new MpegflowError(`refusing ${what} '${value}': ${why}`, {
    code: 'UNSAFE_PATH',
    suggestion: 'use object keys and folder names without "." or ".." segments or empty segments ("//")',
  });
}

/** Object keys whose segments could climb out of a folder when written to disk ("..", ".", "", control characters). */
export function keyProblem(key: string): string | null {
  if (key.length === 0) return 'it is empty';
  if ([...key].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) return 'it contains control characters';
  if (key.split('/').some((segment) => segment === '..' || segment === '.')) return 'it contains "." or ".." segments';
  if (key.startsWith('/') || key.includes('//')) return 'it contains an empty segment';
  return null;
}

function stem(name: string): string {
  const ext = path.extname(name);
  return ext && ext !== name ? name.slice(0, -ext.length) : name;
}

/**
 * The default destination: a folder beside the source named after it and
 * the preset (`clip.mov` → `clip.hls-h264/`), on the same storage.
 */
export function defaultDestination(source: ObjectLocation, presetName: string): DestinationLocation {
  if (source.kind === 'local') {
    const base = path.basename(source.path);
    return { kind: 'local', path: path.join(path.dirname(source.path), `${stem(base)}.${presetName}`) };
  }
  const problem = keyProblem(source.key);
  if (problem) throw unsafePath('to derive an output folder from the source key', source.key, problem);
  const slash = source.key.lastIndexOf('/');
  const dir = slash >= 0 ? source.key.slice(0, slash + 1) : '';
  const name = stem(source.key.slice(slash + 1));
  if (!name) throw unsafePath('to derive an output folder from the source key', source.key, 'it names a folder, not an object');
  return { kind: 'remote', alias: source.alias, bucket: source.bucket, prefix: `${dir}${name}.${presetName}` };
}

/** A destination given with --to: a local folder, or ALIAS/BUCKET/PREFIX (a non-empty prefix, treated as a folder). */
export function destinationFrom(location: ObjectLocation): DestinationLocation {
  if (location.kind === 'local') return { kind: 'local', path: location.path };
  const prefix = location.key.replace(/\/+$/, '');
  if (!prefix) {
    throw new MpegflowError(`the destination ${location.alias}/${location.bucket}/ names a whole bucket`, {
      code: 'DESTINATION_NEEDS_PREFIX',
      suggestion: `write the outputs into a folder of the bucket, e.g. --to ${location.alias}/${location.bucket}/encoded/NAME/`,
    });
  }
  const problem = keyProblem(prefix);
  if (problem) throw unsafePath('the destination', `${location.alias}/${location.bucket}/${location.key}`, problem);
  return { kind: 'remote', alias: location.alias, bucket: location.bucket, prefix };
}

/** Output names are relative paths of plain segments (letters, digits, . _ -); anything else is refused. */
const OUTPUT_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export function isSafeOutputName(name: string): boolean {
  return name.length > 0 && name.length <= 512 && name.split('/').every((segment) => OUTPUT_SEGMENT.test(segment));
}

/** The local path of an output inside a folder; throws if the name could leave the folder. */
export function outputPath(dir: string, name: string): string {
  const full = path.resolve(dir, name);
  if (!isSafeOutputName(name) || !full.startsWith(path.resolve(dir) + path.sep)) {
    throw unsafePath('the output name', name, 'it would be written outside the destination');
  }
  return full;
}

/** The object key of an output under a destination prefix; throws if the name is not a plain relative name. */
export function outputKey(prefix: string, name: string): string {
  if (!isSafeOutputName(name)) throw unsafePath('the output name', name, 'it would be written outside the destination');
  return `${prefix}/${name}`;
}

/** Where the source sits inside a destination folder, as a relative name with '/'; null when it is not inside. */
function sourceWithin(source: ObjectLocation, destination: DestinationLocation): string | null {
  if (source.kind === 'remote' || destination.kind === 'remote') {
    if (source.kind !== 'remote' || destination.kind !== 'remote') return null;
    const inside =
      source.alias === destination.alias && source.bucket === destination.bucket && source.key.startsWith(`${destination.prefix}/`);
    return inside ? source.key.slice(destination.prefix.length + 1) : null;
  }
  let relative: string;
  try {
    // through symlinks and `..`: the files themselves must differ, not their spellings
    relative = path.relative(realpathSync(destination.path), realpathSync(source.path));
  } catch {
    return null; // a destination that does not exist yet holds nothing
  }
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : null;
}

/**
 * Refuses an encode whose outputs (files, or HLS rendition folders) or
 * manifest would land on its own source: the output would replace the
 * master, and a failed run would then remove it.
 */
export function refuseOutputsOverSource(source: ObjectLocation, destinations: DestinationLocation[], outputs: string[]): void {
  for (const destination of destinations) {
    const relative = sourceWithin(source, destination);
    if (relative === null) continue;
    const name = [...outputs, MANIFEST_NAME].find((output) => relative === output || relative.startsWith(`${output}/`));
    if (name === undefined) continue;
    throw new MpegflowError(`the encode would write its output ${name} over its own source ${formatLocation(source)}`, {
      code: 'OUTPUT_OVER_SOURCE',
      suggestion: `write the outputs to another folder than ${formatDestination(destination)} with --to`,
    });
  }
}
