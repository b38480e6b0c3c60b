import type { Client } from 'minio';
import { eachAtMost } from '../concurrently.ts';
import { MpegflowError } from '../errors.ts';
import { withRetry } from '../retry.ts';
import { storageFailure } from './errors.ts';

export type RetentionMode = 'governance' | 'compliance';

/** What S3 Object Lock holds on one stored object (and what a lock sets: a null date sets no period). */
export interface ObjectRetention {
  mode: RetentionMode | null;
  retainUntil: string | null;
  legalHold: boolean;
}

type S3Failure = { code?: string; message?: string };

/**
 * Object Lock as a publish applies it: to the outputs once they are stored, and to the manifest as it is
 * written (its PUT carries the lock), so a published encode is never there unlocked, not for a moment.
 */
export interface PublishLock {
  /** Locks objects already stored. */
  objects: (keys: string[]) => Promise<void>;
  /** The lock an object written now takes: its PUT's x-amz-object-lock-* headers (objectLockHeaders). */
  onWrite: () => ObjectRetention;
}

/** The headers that lock an object as it is written (the store wants a checksum of the body beside them). */
export function objectLockHeaders(lock: ObjectRetention): Record<string, string> {
  return {
    ...(lock.mode && lock.retainUntil
      ? { 'x-amz-object-lock-mode': lock.mode.toUpperCase(), 'x-amz-object-lock-retain-until-date': lock.retainUntil }
      : {}),
    ...(lock.legalHold ? { 'x-amz-object-lock-legal-hold': 'ON' } : {}),
  };
}

/**
 * Refuses a destination bucket that cannot hold retention: Object Lock can
 * only be turned on when a bucket is created, so the operator must use
 * another bucket (or make one with `mc mb --with-lock`). Called before any
 * encode starts and when a rule with retention is added.
 */
export async function requireObjectLock(client: Client, alias: string, bucket: string): Promise<void> {
  let config: { objectLockEnabled?: string } | undefined;
  try {
    config = await withRetry(() => client.getObjectLockConfig(bucket) as unknown as Promise<{ objectLockEnabled?: string } | undefined>);
  } catch (error) {
    const code = (error as S3Failure).code;
    if (code !== 'ObjectLockConfigurationNotFoundError' && code !== 'ObjectLockConfigurationNotFound')
      throw storageFailure(error, { alias: alias, path: `${alias}/${bucket}` });
  }
  if (config?.objectLockEnabled !== 'Enabled') {
    throw new MpegflowError(`the bucket ${alias}/${bucket} has no Object Lock, so retention cannot be set on what is stored there`, {
      code: 'OBJECT_LOCK_MISSING',
      suggestion: `Object Lock can only be enabled when a bucket is made: write archives to a bucket made with \`mc mb --with-lock ${alias}/BUCKET\`, or drop the retention`,
    });
  }
}

/** Keys whose retention is set at once. */
const LOCK_CONCURRENCY = 16;

/**
 * Locks stored objects: a retention period up to `lock.retainUntil` (never
 * shortening one already longer) and the legal hold when asked.
 */
export async function lockObjects(
  client: Client,
  alias: string,
  bucket: string,
  keys: readonly string[],
  lock: ObjectRetention,
): Promise<void> {
  // a queued job's outputs are locked while it publishes, inside its store transaction: not one key at a time
  await eachAtMost(keys, LOCK_CONCURRENCY, async (key) => {
    try {
      const until = lock.retainUntil;
      if (until && lock.mode) {
        const current = await readRetention(client, bucket, key);
        // Object Lock never shortens a period: an object already locked longer keeps its date
        if (!current.retainUntil || current.retainUntil < until)
          await withRetry(() =>
            client.putObjectRetention(bucket, key, {
              mode: lock.mode!.toUpperCase() as 'GOVERNANCE' | 'COMPLIANCE',
              retainUntilDate: until,
              versionId: '',
            }),
          );
      }
      if (lock.legalHold) await withRetry(async () => client.setObjectLegalHold(bucket, key, { status: 'ON' }));
    } catch (error) {
      const failure = storageFailure(error, { alias: alias, path: `${alias}/${bucket}/${key}` });
      throw new MpegflowError(`the outputs are stored but retention could not be set on ${alias}/${bucket}/${key}: ${failure.message}`, {
        code: 'RETENTION_FAILED',
        suggestion: 'run the same command again: what is already stored is kept and retention is set again',
        cause: error,
      });
    }
  });
}

export async function readRetention(client: Client, bucket: string, key: string): Promise<ObjectRetention> {
  const absent = (error: unknown) => {
    const code = (error as S3Failure).code ?? '';
    if (/NoSuchObjectLockConfiguration|ObjectLockConfigurationNotFound|NoSuchObjectLegalHold|InvalidRequest/.test(code)) return undefined;
    throw error;
  };
  const retention = (await client.getObjectRetention(bucket, key).catch(absent)) as { mode?: string; retainUntilDate?: string } | null;
  const hold = await (client.getObjectLegalHold(bucket, key) as Promise<unknown>).catch(absent);
  return {
    mode: retention?.mode ? (retention.mode.toLowerCase() as RetentionMode) : null,
    retainUntil: retention?.retainUntilDate ? new Date(retention.retainUntilDate).toISOString() : null,
    // minio-js hands back the parsed <LegalHold> element: { Status: 'ON' }
    legalHold:
      hold === 'ON' ||
      ['ON', 'on'].includes(
        String((hold as { Status?: string; status?: string } | undefined)?.Status ?? (hold as { status?: string } | undefined)?.status),
      ),
  };
}

/** Whether a bucket has Object Lock at all (verify reads retention only where it can exist). */
export async function hasObjectLock(client: Client, bucket: string): Promise<boolean> {
  try {
    const config = await (client.getObjectLockConfig(bucket) as unknown as Promise<{ objectLockEnabled?: string } | undefined>);
    return config?.objectLockEnabled === 'Enabled';
  } catch {
    return false;
  }
}
