import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'minio';
import { MpegflowError } from '../errors.ts';
import { CREDENTIAL_CODES, DENIED_CODES } from '../s3/error-codes.ts';
import { storageFailure } from '../s3/errors.ts';
import type { ReplicationRecord } from './records.ts';

export interface CanaryResult {
  edge: string;
  central: string;
  key: string;
  replicated: boolean;
  lagMs: number | null;
  cleanedUp: boolean;
}

/** A canary written on the edge: its key, what central must hold, and when it was written. */
export interface Canary {
  key: string;
  digest: string;
  writtenAt: number;
}

async function versionsOf(s3: Client, bucket: string, key: string): Promise<string[]> {
  const versions: string[] = [];
  const stream = s3.listObjects(bucket, key, true, { IncludeVersion: true }) as AsyncIterable<{ name?: string; versionId?: string | null }>;
  for await (const item of stream) if (item.name === key) versions.push(item.versionId ?? 'null');
  return versions;
}

/** Removes every version of the canary, so a versioned bucket keeps no trace of it. */
async function removeAllVersions(s3: Client, bucket: string, key: string): Promise<void> {
  for (const versionId of await versionsOf(s3, bucket, key)) await s3.removeObject(bucket, key, { versionId });
}

/** A small object under the rule's prefix, with a unique body so only this canary's replica matches. */
export async function writeCanary(record: ReplicationRecord, edgeS3: Client, now = Date.now): Promise<Canary> {
  const key = `${record.settings.prefix}.mpegflow-canary/${randomUUID()}`;
  const body = Buffer.from(`mpegflow replication canary ${new Date(now()).toISOString()} ${randomUUID()}\n`);
  const writtenAt = now();
  await edgeS3.putObject(record.edgeBucket, key, body, body.length, { 'Content-Type': 'text/plain' }).catch((error: unknown) => {
    throw storageFailure(error, { alias: record.edge, path: `${record.edge}/${record.edgeBucket}/${key}`, action: 'write the canary' });
  });
  return { key, digest: createHash('sha256').update(body).digest('hex'), writtenAt };
}

/**
 * Does central hold the canary's bytes yet. Missing, or central down, is
 * "not yet" (the lag grows); central refusing our credentials would never
 * let the canary be seen, so it is an error naming central.
 */
export async function canaryArrived(record: ReplicationRecord, centralS3: Client, canary: Canary): Promise<boolean> {
  try {
    const stream = await centralS3.getObject(record.centralBucket, canary.key);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return createHash('sha256').update(Buffer.concat(chunks)).digest('hex') === canary.digest;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (CREDENTIAL_CODES.has(code) || DENIED_CODES.has(code))
      throw storageFailure(error, {
        alias: record.central,
        path: `${record.central}/${record.centralBucket}/${canary.key}`,
        action: 'read the canary at',
      });
    return false;
  }
}

/** Polls central until the canary is there or `timeoutMs` has passed since `from`; the arrival time, or null. */
export async function awaitCanary(
  record: ReplicationRecord,
  centralS3: Client,
  canary: Canary,
  { timeoutMs, pollMs = 250, from = Date.now() }: { timeoutMs: number; pollMs?: number; from?: number },
): Promise<number | null> {
  for (;;) {
    if (await canaryArrived(record, centralS3, canary)) return Date.now();
    if (Date.now() - from >= timeoutMs) return null;
    await sleep(pollMs);
  }
}

/** Removes the canary from both sides; true when the edge keeps no version of it. */
export async function removeCanary(record: ReplicationRecord, edgeS3: Client, centralS3: Client, canary: Canary): Promise<boolean> {
  await removeAllVersions(edgeS3, record.edgeBucket, canary.key).catch(() => undefined);
  await removeAllVersions(centralS3, record.centralBucket, canary.key).catch(() => undefined);
  return (await versionsOf(edgeS3, record.edgeBucket, canary.key).catch(() => ['?'])).length === 0;
}

/**
 * Writes a small canary object on the edge (under the rule's prefix), waits
 * until central holds the same bytes, reports the lag, and removes it from
 * both sides.
 */
export async function verifyReplication({
  record,
  edgeS3,
  centralS3,
  timeoutMs,
  pollMs = 250,
}: {
  record: ReplicationRecord;
  edgeS3: Client;
  centralS3: Client;
  timeoutMs: number;
  pollMs?: number;
}): Promise<CanaryResult> {
  const canary = await writeCanary(record, edgeS3);
  const arrivedAt = await awaitCanary(record, centralS3, canary, { timeoutMs, pollMs, from: canary.writtenAt }).catch(
    async (error: unknown) => {
      await removeCanary(record, edgeS3, centralS3, canary);
      throw error;
    },
  );
  const cleanedUp = await removeCanary(record, edgeS3, centralS3, canary);
  if (arrivedAt === null) {
    throw new MpegflowError(`the canary did not reach ${record.central}/${record.centralBucket} within ${Math.round(timeoutMs / 1000)} s`, {
      code: 'REPLICATION_TIMEOUT',
      suggestion: `see \`mpegflow replicate status ${record.edge}/${record.edgeBucket}\` for the backlog and whether the target is online`,
    });
  }
  return {
    edge: `${record.edge}/${record.edgeBucket}`,
    central: `${record.central}/${record.centralBucket}`,
    key: canary.key,
    replicated: true,
    lagMs: arrivedAt - canary.writtenAt,
    cleanedUp,
  };
}
