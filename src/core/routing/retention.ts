import type { Client } from 'minio';
import { lockObjects, type ObjectRetention } from '../s3/object-lock.ts';
import { parseDuration, retainUntil } from './duration.ts';
import type { RetentionSpec } from './model.ts';

/** What `--retain`/`--legal-hold` set on the stored outputs and the manifest. */
export interface RetentionSet {
  mode: string | null;
  retainUntil: string | null;
  legalHold: boolean;
  objects: number;
}

/**
 * Sets a route's or a command's retention on stored objects; `from` is when
 * the period starts (when the outputs were stored or published). Returns the
 * retain-until date it set, if any.
 */
export async function applyRetention(
  client: Client,
  alias: string,
  bucket: string,
  keys: readonly string[],
  retention: RetentionSpec,
  from: Date,
): Promise<string | null> {
  const lock = objectRetention(retention, from);
  await lockObjects(client, alias, bucket, keys, lock);
  return lock.retainUntil;
}

/** What a retention spec sets on an object when its period starts at `from`. */
export function objectRetention(retention: RetentionSpec, from: Date): ObjectRetention {
  const until = retention.retain ? retainUntil(parseDuration(retention.retain), from).toISOString() : null;
  return { mode: retention.mode, retainUntil: until, legalHold: retention.legalHold };
}
