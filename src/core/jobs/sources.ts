import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from 'minio';
import { MpegflowError, usageError, userError } from '../errors.ts';
import { parseObjectPath, type ObjectLocation } from '../endpoints/object-path.ts';
import { formatLocation } from '../notation.ts';
import { headFailure, storageFailure } from '../s3/errors.ts';
import { withRetry } from '../retry.ts';
import { batches } from '../groups.ts';
import { cannotRead } from '../user-file.ts';
import { listObjectGroups } from '../s3/listing.ts';

/** Files a recursive submission picks up; everything else under the folder or prefix is left alone. */
export const MEDIA_EXTENSIONS = new Set([
  '.mov',
  '.mp4',
  '.m4v',
  '.mxf',
  '.mkv',
  '.avi',
  '.mts',
  '.m2ts',
  '.ts',
  '.mpg',
  '.mpeg',
  '.webm',
  '.y4m',
  '.dv',
  '.wmv',
  '.flv',
]);

export interface ExpandedSource {
  location: ObjectLocation;
  /** Path of the source relative to what was submitted (for naming outputs under --to). */
  relative: string;
  /** Identifies this version of the source: changed content means a new job. */
  identity: string;
  /** The object's user metadata and tags, when the listing carried them (ExpandOptions.metadata on MinIO). */
  labels?: ObjectLabels;
}

export interface ObjectLabels {
  metadata: Record<string, string>;
  tags: Record<string, string>;
}

export interface ExpandOptions {
  inputs: string[];
  recursive: boolean;
  isAlias: (name: string) => boolean;
  /** The endpoints' names, for the suggestion when a path names none of them. */
  aliases?: readonly string[];
  s3For: (alias: string) => Client;
  /** Ask the listing for each object's metadata and tags (MinIO's extension; other stores ignore it). */
  metadata?: boolean;
  /** Stops the listing between arrays, and the requests under way. */
  signal?: AbortSignal;
  /** Told of each file or object under a folder or prefix that is left out: not media by its extension. */
  onNotMedia?: (source: string) => void;
}

const isMedia = (name: string) => MEDIA_EXTENSIONS.has(path.extname(name).toLowerCase());

function localIdentity(file: string): string {
  const st = statSync(file);
  return `file:${file}:${st.size}:${Math.floor(st.mtimeMs)}:${st.ino}`;
}

/** Every file under a folder, depth first, each folder's entries in name order: memory grows with one folder, not the tree. */
async function* walk(folder: string, onNotMedia?: (file: string) => void): AsyncGenerator<string> {
  const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) yield* walk(full, onNotMedia);
    else if (entry.isFile() && isMedia(entry.name)) yield full;
    else if (entry.isFile()) onNotMedia?.(full);
  }
}

/** Files found under a folder, in arrays of this many. */
const WALKED = 1000;

async function* expandLocal(
  input: string,
  location: Extract<ObjectLocation, { kind: 'local' }>,
  recursive: boolean,
  onNotMedia?: (source: string) => void,
): AsyncGenerator<ExpandedSource[]> {
  let st;
  try {
    st = statSync(location.path);
  } catch {
    throw userError(
      `the source ${location.path} does not exist`,
      'check the path; remote sources are written ALIAS/BUCKET/KEY with a configured endpoint as ALIAS',
      'SOURCE_NOT_FOUND',
    );
  }
  if (st.isFile()) {
    yield [{ location, relative: path.basename(location.path), identity: localIdentity(location.path) }];
    return;
  }
  if (!st.isDirectory()) throw userError(`the source ${location.path} is neither a file nor a folder`);
  if (!recursive)
    throw usageError(
      `${input} is a folder: without --recursive, job submit takes files`,
      'add --recursive (-r) to submit every media file under it',
    );
  try {
    for await (const files of batches(walk(location.path, onNotMedia), WALKED)) {
      yield files.map((file) => ({
        location: { kind: 'local', path: file },
        relative: path.relative(location.path, file),
        identity: localIdentity(file),
      }));
    }
  } catch (error) {
    throw unreadableUnder(error);
  }
}

/** A folder or file under a submitted folder that cannot be read is said as such: nothing is queued. */
function unreadableUnder(error: unknown): unknown {
  const { syscall, code, path: where } = error as NodeJS.ErrnoException;
  if (!syscall || !code || !where) return error;
  return cannotRead(where, error, {
    code: code === 'ENOENT' ? 'SOURCE_NOT_FOUND' : 'SOURCE_UNREADABLE',
    suggestion: `check ${where} (\`ls -ld\`): every folder and file under what is submitted must be readable; nothing was queued`,
  });
}

async function* expandRemote(
  location: Extract<ObjectLocation, { kind: 'remote' }>,
  { recursive, metadata, signal, onNotMedia }: Pick<ExpandOptions, 'recursive' | 'metadata' | 'signal' | 'onNotMedia'>,
  s3: Client,
): AsyncGenerator<ExpandedSource[]> {
  const { alias, bucket, key } = location;
  const identity = (etag: string, versionId?: string | null) => `s3:${alias}/${bucket}/${key}:${etag}${versionId ? `:${versionId}` : ''}`;
  if (key && !key.endsWith('/') && !recursive) {
    const shown = formatLocation(location);
    let stat;
    try {
      stat = await withRetry(() => s3.statObject(bucket, key));
    } catch (error) {
      const mapped = await headFailure(error, { alias, path: shown, action: 'read' }, () => s3.getBucketVersioning(bucket));
      if (mapped.code === 'OBJECT_NOT_FOUND') {
        throw new MpegflowError(`the source ${shown} does not exist`, {
          code: 'SOURCE_NOT_FOUND',
          suggestion: `list the bucket with \`mc ls ${alias}/${bucket}/\``,
          cause: error,
          details: mapped.details,
        });
      }
      throw mapped;
    }
    yield [{ location, relative: key.slice(key.lastIndexOf('/') + 1), identity: identity(stat.etag, stat.versionId) }];
    return;
  }
  if (!recursive)
    throw usageError(
      `${formatLocation(location)} is a prefix: without --recursive, job submit takes objects`,
      'add --recursive (-r) to submit every media object under it',
    );
  const prefix = key && !key.endsWith('/') ? `${key}/` : key;
  try {
    for await (const listed of listObjectGroups(s3, bucket, prefix, { metadata, signal })) {
      yield listed
        .filter((item) => isMedia(item.name) || void onNotMedia?.(`${alias}/${bucket}/${item.name}`))
        .map((item) => ({
          location: { kind: 'remote', alias, bucket, key: item.name },
          relative: item.name.slice(prefix.length),
          identity: `s3:${alias}/${bucket}/${item.name}:${item.etag}`,
          ...(item.metadata && item.tags ? { labels: { metadata: item.metadata, tags: item.tags } } : {}),
        }));
    }
  } catch (error) {
    if (signal?.aborted) throw error;
    throw storageFailure(error, { alias, path: `${alias}/${bucket}/${prefix}`, action: 'list' });
  }
}

/**
 * Turns what was submitted (files, folders, objects, prefixes) into one entry
 * per source version, in arrays as the listing goes: nothing holds the whole listing.
 */
export async function* expandSources({
  inputs,
  recursive,
  isAlias,
  aliases,
  s3For,
  metadata,
  signal,
  onNotMedia,
}: ExpandOptions): AsyncGenerator<ExpandedSource[]> {
  for (const input of inputs) {
    const location = parseObjectPath(input, { isAlias, aliases });
    const expanded =
      location.kind === 'local'
        ? expandLocal(input, location, recursive, onNotMedia)
        : expandRemote(location, { recursive, metadata, signal, onNotMedia }, s3For(location.alias));
    let found = 0;
    for await (const sources of expanded) {
      signal?.throwIfAborted();
      if (sources.length === 0) continue;
      found += sources.length;
      yield sources;
    }
    if (found === 0) {
      throw new MpegflowError(`nothing to encode under ${input}`, {
        code: 'NO_SOURCES',
        suggestion: `recursive submissions pick up ${[...MEDIA_EXTENSIONS].join(' ')} files`,
      });
    }
  }
}
