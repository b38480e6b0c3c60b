import path from 'node:path';
import { statSync } from 'node:fs';
import { closestNames } from '../edit-distance.ts';
import { MpegflowError, userError } from '../errors.ts';
import { checkObjectPath } from '../s3/paths.ts';

export type ObjectLocation = { kind: 'local'; path: string } | { kind: 'remote'; alias: string; bucket: string; key: string };

/** What a path is read against: the configured endpoints (their names, for suggestions). */
export interface Endpoints {
  isAlias: (name: string) => boolean;
  aliases?: readonly string[];
  /** Told when an endpoint's name is also a folder here: the endpoint wins, as in mc. */
  onNote?: (message: string) => void;
}

/**
 * Reads a path as mc does, less its ambiguity: `ALIAS/BUCKET/KEY` when ALIAS
 * is a configured endpoint; a path starting with `.` or `/`, a bare name, or
 * one whose first folder exists here is local. Any other `A/B/...` path is
 * refused (exit 2) with the closest endpoint names: a typo'd alias must not
 * become a local folder that a cron line fills while nothing is uploaded.
 * A remote path with an invalid bucket name or "." / ".." key segments is
 * refused too.
 */
export function parseObjectPath(input: string, endpoints: Endpoints | ((name: string) => boolean)): ObjectLocation {
  const { isAlias, aliases = [], onNote } = typeof endpoints === 'function' ? { isAlias: endpoints, onNote: undefined } : endpoints;
  if (input.startsWith('.') || input.startsWith('/') || !input.includes('/')) {
    return { kind: 'local', path: path.resolve(input) };
  }
  const [alias, bucket = '', ...rest] = input.split('/');
  if (!isAlias(alias!)) {
    if (isFolder(alias!)) return { kind: 'local', path: path.resolve(input) };
    throw neitherEndpointNorFolder(input, alias!, aliases);
  }
  if (isFolder(alias!))
    onNote?.(`'${input}' is read as endpoint '${alias}'; the folder ./${alias} here is not used (write ./${input} to mean it)`);
  if (!bucket) throw userError(`'${input}' names no bucket`, `write remote paths as ${alias}/BUCKET/KEY`);
  const key = rest.join('/');
  // an invalid bucket name or a '..' key is refused here, before any request
  checkObjectPath(alias!, bucket, key, input);
  return { kind: 'remote', alias: alias!, bucket, key };
}

function isFolder(name: string): boolean {
  try {
    return statSync(name).isDirectory();
  } catch {
    return false;
  }
}

function neitherEndpointNorFolder(input: string, first: string, aliases: readonly string[]): MpegflowError {
  const close = closestNames(first, aliases);
  const rest = input.slice(first.length);
  const meant = close.length > 0 ? `did you mean ${close.map((a) => `'${a}${rest}'`).join(' or ')}? ` : '';
  const known = aliases.length > 0 ? `(endpoints: ${aliases.join(', ')})` : '(no endpoint is configured: `mpegflow endpoint add`)';
  return new MpegflowError(`'${input}' starts with '${first}', which is neither a configured endpoint nor a folder here`, {
    code: 'UNKNOWN_ENDPOINT',
    suggestion: `${meant}${known}; for a local folder write ./${input}`,
  });
}
