import path from 'node:path';
import { userError } from '../errors.ts';
import { checkObjectPath } from '../s3/paths.ts';

export type ObjectLocation = { kind: 'local'; path: string } | { kind: 'remote'; alias: string; bucket: string; key: string };

/**
 * Reads a path the way mc does: `ALIAS/BUCKET/KEY` when ALIAS is a configured
 * endpoint; anything starting with `.` or `/`, or whose first segment is not
 * an endpoint, is a local path. A remote path with an invalid bucket name or
 * "." / ".." key segments is refused (exit 2).
 */
export function parseObjectPath(input: string, isAlias: (name: string) => boolean): ObjectLocation {
  if (input.startsWith('.') || input.startsWith('/') || !input.includes('/')) {
    return { kind: 'local', path: path.resolve(input) };
  }
  const [alias, bucket = '', ...rest] = input.split('/');
  if (!isAlias(alias!)) return { kind: 'local', path: path.resolve(input) };
  if (!bucket) throw userError(`'${input}' names no bucket`, `write remote paths as ${alias}/BUCKET/KEY`);
  const key = rest.join('/');
  // an invalid bucket name or a '..' key is refused here, before any request
  checkObjectPath(alias!, bucket, key, input);
  return { kind: 'remote', alias: alias!, bucket, key };
}

export function formatLocation(location: ObjectLocation): string {
  return location.kind === 'local' ? location.path : `${location.alias}/${location.bucket}/${location.key}`;
}
