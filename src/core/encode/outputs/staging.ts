import { mkdir, rename, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from 'minio';
import { formatDestination, MANIFEST_NAME, outputKey, outputPath, type DestinationLocation } from './locations.ts';
import { serializeManifest, type Manifest } from './manifest.ts';
import { storageFailure } from '../../s3/errors.ts';
import { eachAtMost } from '../../concurrently.ts';
import { withRetry } from '../../retry.ts';
import { listObjects } from '../../s3/listing.ts';
import { LocalSink, RemoteSink, removeTree } from './sink.ts';
import { signerOf } from '../../s3/client.ts';
import { objectLockHeaders, type PublishLock } from '../../s3/object-lock.ts';
import { abortIncompleteUploads, putBuffer } from '../../s3/objects.ts';
import { faultPoint } from '../../fault.ts';

/**
 * A queued job encodes into a staging location of its own (one per lease
 * generation) and its outputs are moved into the destination only under a
 * confirmed lease: a worker that lost its job never mixes its outputs with
 * the new owner's. Remote staging lives in the destination's bucket, so
 * publishing is a server-side copy; local staging inside the destination
 * folder, so publishing is a rename on its own disk (a destination that is a
 * mount point has a parent on another one, which the operator may not write).
 */
export const STAGING_FOLDER = '.mpegflow-staging';

/** Server-side copies (and retention calls) under way at once while a staged encode is published. */
export const PUBLISH_CONCURRENCY = 16;

export function stagingFor(destination: DestinationLocation, jobId: number, generation: number): DestinationLocation {
  const leaf = `job-${jobId}-g${generation}`;
  return destination.kind === 'local'
    ? { kind: 'local', path: path.join(destination.path, STAGING_FOLDER, leaf) }
    : { ...destination, prefix: `${STAGING_FOLDER}/${leaf}` };
}

/** The manifest at a destination, if any (a finished earlier encode). */
export async function destinationManifest(destination: DestinationLocation, client?: Client): Promise<Manifest | null> {
  const sink =
    destination.kind === 'local'
      ? new LocalSink({ destination, workDir: destination.path })
      : new RemoteSink({ client: client!, destination, workDir: '' });
  return sink.readManifest();
}

/**
 * The outputs a manifest records that are not at its destination as it
 * recorded them (gone, or of another size): a finished encode is skipped
 * only when there are none. A bucket prefix is listed (a request per
 * thousand objects), not asked object by object.
 */
export async function absentOutputs(destination: DestinationLocation, manifest: Manifest, client?: Client): Promise<string[]> {
  const sizes = new Map<string, number>();
  if (destination.kind === 'local') {
    for (const output of manifest.outputs) {
      const found = await stat(outputPath(destination.path, output.name)).catch(() => null);
      if (found?.isFile()) sizes.set(output.name, found.size);
    }
  } else {
    const prefix = `${destination.prefix}/`;
    try {
      for await (const object of listObjects(client!, destination.bucket, prefix)) sizes.set(object.name.slice(prefix.length), object.size);
    } catch (error) {
      throw storageFailure(error, { alias: destination.alias, path: formatDestination(destination), action: 'list' });
    }
  }
  return manifest.outputs.filter((output) => sizes.get(output.name) !== output.size).map((output) => output.name);
}

export interface PromoteOptions {
  /** Retention: the outputs locked once they are in place, before the manifest is written; the manifest as it is written. */
  lock?: PublishLock;
  /** Each output copied into place (in a bucket: a server-side copy each, which for a large ladder takes a while). */
  onMoved?: (moved: number, total: number) => void;
}

/** Moves a staged encode into its destination, the manifest last, and removes the staging location. */
export async function promote(
  staging: DestinationLocation,
  destination: DestinationLocation,
  manifest: Manifest,
  client?: Client,
  { lock, onMoved }: PromoteOptions = {},
): Promise<void> {
  const names = manifest.outputs.map((o) => o.name);
  if (staging.kind === 'local' && destination.kind === 'local') {
    for (const name of [...names, MANIFEST_NAME]) {
      const target = outputPath(destination.path, name);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(outputPath(staging.path, name), target);
    }
    await removeTree(staging.path);
    await rmdir(path.dirname(staging.path)).catch(() => undefined);
    return;
  }
  if (staging.kind !== 'remote' || destination.kind !== 'remote' || !client) throw new Error('staging and destination must be alike');
  const { bucket } = destination;
  const manifestKey = outputKey(destination.prefix, MANIFEST_NAME);
  // an encode being replaced stops being "done" before its outputs change under its manifest
  try {
    await withRetry(() => client.removeObject(bucket, manifestKey));
  } catch (error) {
    throw storageFailure(error, { alias: destination.alias, path: `${destination.alias}/${bucket}/${manifestKey}`, action: 'publish' });
  }
  // copies at once, as uploads are: a queued job publishes inside its store transaction, which holds SQLite's write lock
  let moved = 0;
  await eachAtMost(names, PUBLISH_CONCURRENCY, async (name) => {
    const key = outputKey(destination.prefix, name);
    try {
      await withRetry(() => client.copyObject(bucket, key, `/${staging.bucket}/${outputKey(staging.prefix, name)}`));
    } catch (error) {
      throw storageFailure(error, { alias: destination.alias, path: `${destination.alias}/${bucket}/${key}`, action: 'publish' });
    }
    onMoved?.(++moved, names.length);
  });
  await lock?.objects(names.map((name) => outputKey(destination.prefix, name)));
  faultPoint('before-manifest');
  const body = serializeManifest(manifest);
  const headers = lock ? objectLockHeaders(lock.onWrite()) : {};
  try {
    await withRetry(() => putBuffer(signerOf(client), { bucket, key: manifestKey }, body, headers));
  } catch (error) {
    throw storageFailure(error, {
      alias: destination.alias,
      path: `${formatDestination(destination)}/${MANIFEST_NAME}`,
      action: 'publish',
    });
  }
  await removeStagedObjects(staging.bucket, staging.prefix, client);
}

/**
 * Removes a staging location and everything in it, with the multipart uploads
 * left unfinished under it (a worker killed mid-upload, whose upload the store
 * of the queue may not have recorded if it was down then).
 */
export async function discard(staging: DestinationLocation, client?: Client): Promise<void> {
  if (staging.kind === 'local') {
    await removeTree(staging.path);
    // the staging folder inside the destination goes with its last job's staging, as after a promote
    await rmdir(path.dirname(staging.path)).catch(() => undefined);
    return;
  }
  await abortIncompleteUploads(client!, staging.bucket, `${staging.prefix}/`).catch(() => undefined);
  await removeStagedObjects(staging.bucket, staging.prefix, client!);
}

/**
 * The objects of a staging prefix, a page at a time as they are listed (a
 * feature-length ladder is thousands of segments). All a promote needs: the
 * encode that staged them finished its uploads, so no listing of the bucket's
 * unfinished uploads is added to a publish, which holds the queue's lock.
 */
async function removeStagedObjects(bucket: string, prefix: string, client: Client): Promise<void> {
  const remove = (keys: string[]) => client.removeObjects(bucket, keys).catch(() => undefined);
  const page: string[] = [];
  for await (const object of listObjects(client, bucket, `${prefix}/`)) {
    page.push(object.name);
    if (page.length === 1000) await remove(page.splice(0));
  }
  if (page.length) await remove(page);
}
