import { randomBytes } from 'node:crypto';
import type { Client } from 'minio';
import { manifestLocation, type EncodeResult } from './encode-result.ts';
import { formatDestination, outputKey, type DestinationLocation } from './locations.ts';
import type { Manifest } from './manifest.ts';
import { runEncode, type RunEncodeOptions } from '../pipeline.ts';
import { safeListener, type ProgressListener } from '../ffmpeg/progress.ts';
import { destinationManifest, discard, promote, STAGING_FOLDER } from './staging.ts';
import { count } from '../../notation.ts';

type RemoteDestination = Extract<DestinationLocation, { kind: 'remote' }>;

/**
 * `encode --force` over an encode published in a bucket. The new encode is
 * made in a staging prefix of the destination's bucket and moved into place
 * (server-side copies, the manifest last) only once it is complete: until then
 * the published encode is served whole, and a run that fails or is cancelled
 * leaves it as it was. Once the move has begun it is not cancelled (a Ctrl-C
 * waits for it); a store failing under it leaves the destination without a
 * manifest, which the next run treats as not encoded. Its outputs the new
 * encode does not have are removed afterwards. A local destination needs none
 * of this: its sink keeps the new outputs in a work folder until commit.
 */
export async function encodeReplacing(options: RunEncodeOptions & { destination: RemoteDestination }): Promise<EncodeResult> {
  const { destination } = options;
  const client = options.s3For!(destination.alias);
  const emit = safeListener(options.onProgress);
  const now = options.now ?? (() => new Date());
  // a manifest that cannot be read (refused, corrupt) may still stand for a published encode: staged all the same
  let published: Manifest | null | undefined;
  try {
    published = await destinationManifest(destination, client);
  } catch {
    published = undefined;
  }
  if (published === null) {
    const result = await runEncode({ ...options, ifExists: 'overwrite' });
    emit({ type: 'stage', stage: 'publish', state: 'skipped', at: now(), detail: 'there was no encode to replace' });
    return result;
  }
  const staging: RemoteDestination = { ...destination, prefix: `${STAGING_FOLDER}/replace-${randomBytes(4).toString('hex')}` };
  // the plan lists the stages to come: the move into place is one
  const onProgress: ProgressListener = (event) => emit(event.type === 'plan' ? { ...event, stages: [...event.stages, 'publish'] } : event);
  try {
    // staged objects are not locked (they are removed once moved): the move locks what it publishes
    const result = await runEncode({
      ...options,
      lock: undefined,
      onProgress,
      destination: staging,
      manifestAt: destination,
      ifExists: 'overwrite',
    });
    const manifest = (await destinationManifest(staging, client))!;
    emit({ type: 'stage', stage: 'publish', state: 'start', at: now(), detail: count(manifest.outputs.length, 'output') });
    await promote(staging, destination, manifest, client, {
      lock: options.lock,
      onMoved: (moved, total) => emit({ type: 'publish', at: now(), moved, total }),
    });
    const stale = published ? await removeStale(published, manifest, destination, client) : [];
    emit({ type: 'stage', stage: 'publish', state: 'done', at: now() });
    return {
      ...result,
      destination: formatDestination(destination),
      manifest: manifestLocation(destination),
      warnings: [...result.warnings, ...stale],
    };
  } catch (error) {
    await discard(staging, client).catch(() => undefined);
    throw error;
  }
}

/** The old encode's outputs that the new one does not have (a rung fewer): removed, or said when the store keeps them (retention). */
async function removeStale(published: Manifest, manifest: Manifest, destination: RemoteDestination, client: Client): Promise<string[]> {
  const kept = new Set(manifest.outputs.map((o) => o.name));
  const stale = published.outputs.filter((o) => !kept.has(o.name)).map((o) => outputKey(destination.prefix, o.name));
  let refused = 0;
  let why = '';
  for (let i = 0; i < stale.length; i += 1000) {
    try {
      // refusals come back per object (AccessDenied under retention), not as an error
      const failed = (await client.removeObjects(destination.bucket, stale.slice(i, i + 1000))).filter((r) => r?.Error);
      refused += failed.length;
      why ||= failed[0]?.Error?.Code ?? '';
    } catch (error) {
      refused += Math.min(1000, stale.length - i);
      why ||= (error as Error).message;
    }
  }
  if (refused === 0) return [];
  return [
    `${count(refused, 'output')} of the replaced encode that the new one does not have ${refused === 1 ? 'is' : 'are'} still in ${formatDestination(destination)} (${why}); remove them when their retention allows`,
  ];
}
