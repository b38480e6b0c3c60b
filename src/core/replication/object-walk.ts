import type { Client } from 'minio';
import { listObjects, type ListedObject } from '../s3/listing.ts';
import { OldestKeys, type AgedKey } from './oldest-keys.ts';

export interface WalkCounts {
  replicated: number;
  pending: number;
  failed: number;
  /** REPLICA, or objects the rule never covered (written before it with existing-objects off). */
  other: number;
}

export interface ObjectWalk {
  objects: number;
  counts: WalkCounts;
  bytes: { replicated: number; pending: number; failed: number };
  /** The oldest keys still waiting and those that failed, oldest first, at most `keep` (at least one) of each. */
  oldestPending: AgedKey[];
  oldestFailed: AgedKey[];
}

/** ListObjectsV2 with metadata (MinIO's extension), which carries each object's X-Amz-Replication-Status. */
export const listWithReplicationStatus = (s3: Client, bucket: string, prefix: string): AsyncIterable<ListedObject> =>
  listObjects(s3, bucket, prefix, { metadata: true });

/**
 * Counts objects by MinIO's per-object replication status as the listing
 * streams past: nothing but the counters and the bounded oldest-key lists is kept.
 */
export async function walkObjects(listing: AsyncIterable<ListedObject>, keep: number, now: Date): Promise<ObjectWalk> {
  const counts: WalkCounts = { replicated: 0, pending: 0, failed: 0, other: 0 };
  const bytes = { replicated: 0, pending: 0, failed: 0 };
  const pending = new OldestKeys(Math.max(1, keep));
  const failed = new OldestKeys(Math.max(1, keep));
  let objects = 0;
  for await (const item of listing) {
    objects++;
    const state = item.metadata?.['X-Amz-Replication-Status'] ?? '';
    const size = item.size;
    const at = item.lastModified ? Date.parse(item.lastModified) : now.getTime();
    if (state === 'COMPLETED') {
      counts.replicated++;
      bytes.replicated += size;
    } else if (state === 'PENDING') {
      counts.pending++;
      bytes.pending += size;
      pending.offer(item.name, at);
    } else if (state === 'FAILED') {
      counts.failed++;
      bytes.failed += size;
      failed.offer(item.name, at);
    } else counts.other++;
  }
  return { objects, counts, bytes, oldestPending: pending.list(), oldestFailed: failed.list() };
}
