import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'minio';
import { MpegflowError } from '../errors.ts';
import { storageFailure } from '../storage-errors.ts';
import type { ReplicationRecord } from './records.ts';

export interface CanaryResult {
  edge: string;
  central: string;
  key: string;
  replicated: boolean;
  lagMs: number | null;
  cleanedUp: boolean;
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
  const key = `${record.settings.prefix}.mpegflow-canary/${randomUUID()}`;
  const body = Buffer.from(`mpegflow replication canary ${new Date().toISOString()} ${randomUUID()}\n`);
  const digest = createHash('sha256').update(body).digest('hex');
  const started = Date.now();
  await edgeS3.putObject(record.edgeBucket, key, body, body.length, { 'Content-Type': 'text/plain' }).catch((error: unknown) => {
    throw storageFailure(error, { alias: record.edge, path: `${record.edge}/${record.edgeBucket}/${key}`, action: 'write the canary' });
  });
  let lagMs: number | null = null;
  try {
    while (Date.now() - started < timeoutMs) {
      try {
        const stream = await centralS3.getObject(record.centralBucket, key);
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        if (createHash('sha256').update(Buffer.concat(chunks)).digest('hex') === digest) {
          lagMs = Date.now() - started;
          break;
        }
      } catch {
        // not there yet
      }
      await sleep(pollMs);
    }
  } finally {
    await removeAllVersions(edgeS3, record.edgeBucket, key).catch(() => undefined);
    await removeAllVersions(centralS3, record.centralBucket, key).catch(() => undefined);
  }
  const cleanedUp = (await versionsOf(edgeS3, record.edgeBucket, key).catch(() => ['?'])).length === 0;
  if (lagMs === null) {
    throw new MpegflowError(`the canary did not reach ${record.central}/${record.centralBucket} within ${Math.round(timeoutMs / 1000)} s`, {
      code: 'REPLICATION_TIMEOUT',
      exitCode: 2,
      suggestion: `see \`mpegflow replicate status ${record.edge}/${record.edgeBucket}\` for the backlog and whether the target is online`,
    });
  }
  return {
    edge: `${record.edge}/${record.edgeBucket}`,
    central: `${record.central}/${record.centralBucket}`,
    key,
    replicated: true,
    lagMs,
    cleanedUp,
  };
}
