import type { Client } from 'minio';
import type { ResolvedEndpoint } from '../endpoints/model.ts';
import { storageFailure } from '../storage-errors.ts';
import { worstStatus, type HealthStatus } from '../health/quorum.ts';
import { MinioAdminClient } from '../minio-admin/client.ts';
import type { ReplicationRecord } from './records.ts';
import { replicationRules } from './setup.ts';
import { listRemoteTargets } from './targets.ts';

export interface RuleStatus {
  edge: string;
  edgeBucket: string;
  central: string;
  centralBucket: string;
  ruleId: string;
  status: HealthStatus;
  summary: string;
  ruleOnServer: boolean;
  targetOnline: boolean | null;
  counts: { replicated: number; pending: number; failed: number; other: number };
  bytes: { replicated: number; pending: number; failed: number };
  /** Age of the oldest object still waiting, seconds: the backlog's lag. */
  oldestPendingSeconds: number | null;
  lastError: string | null;
  /** Why the edge could not be read (status UNKNOWN): the mapped storage error. */
  error?: { code: string; message: string; suggestion?: string };
}

interface ListedObject {
  name?: string;
  size?: number;
  lastModified?: Date | string;
  metadata?: Record<string, string>;
}

/** Counts the edge bucket's objects by MinIO's per-object replication status (X-Amz-Replication-Status). */
async function countByStatus(
  s3: Client,
  bucket: string,
  prefix: string,
  now: Date,
): Promise<Pick<RuleStatus, 'counts' | 'bytes' | 'oldestPendingSeconds'>> {
  const counts = { replicated: 0, pending: 0, failed: 0, other: 0 };
  const bytes = { replicated: 0, pending: 0, failed: 0 };
  let oldestPending: number | null = null;
  const listing = (
    s3 as unknown as { extensions: { listObjectsV2WithMetadata: (b: string, p: string, r: boolean) => AsyncIterable<ListedObject> } }
  ).extensions.listObjectsV2WithMetadata(bucket, prefix, true);
  for await (const item of listing) {
    const state = item.metadata?.['X-Amz-Replication-Status'] ?? '';
    const size = item.size ?? 0;
    if (state === 'COMPLETED') {
      counts.replicated++;
      bytes.replicated += size;
    } else if (state === 'PENDING') {
      counts.pending++;
      bytes.pending += size;
      const at = item.lastModified ? new Date(item.lastModified).getTime() : now.getTime();
      oldestPending = oldestPending === null ? at : Math.min(oldestPending, at);
    } else if (state === 'FAILED') {
      counts.failed++;
      bytes.failed += size;
    } else counts.other++; // REPLICA, or objects the rule never covered (written before it with existing-objects off)
  }
  return {
    counts,
    bytes,
    oldestPendingSeconds: oldestPending === null ? null : Math.max(0, Math.round((now.getTime() - oldestPending) / 1000)),
  };
}

export interface StatusDeps {
  resolve: (name: string) => Promise<ResolvedEndpoint>;
  s3For: (name: string) => Client;
  now?: () => Date;
}

/**
 * One rule's state: is MinIO still holding the rule, is the central side
 * reachable, and how many objects are replicated, pending or failed.
 * OK: nothing pending or failed. WARNING: a backlog, or the target offline.
 * CRITICAL: failed objects, or the rule is gone from the server.
 */
export async function ruleStatus(record: ReplicationRecord, deps: StatusDeps): Promise<RuleStatus> {
  const now = (deps.now ?? (() => new Date()))();
  const base = {
    edge: record.edge,
    edgeBucket: record.edgeBucket,
    central: record.central,
    centralBucket: record.centralBucket,
    ruleId: record.ruleId,
  };
  try {
    const edge = await deps.resolve(record.edge);
    const edgeS3 = deps.s3For(record.edge);
    const rules = await replicationRules(edgeS3, record.edgeBucket);
    const ruleOnServer = rules.some((r) => r.ID === record.ruleId);
    const target = (await listRemoteTargets(edge, record.edgeBucket)).find((t) => t.arn === record.targetArn);
    let targetOnline: boolean | null = null;
    try {
      targetOnline = await new MinioAdminClient(await deps.resolve(record.central), { timeoutMs: 3000, retries: 0 }).ready();
    } catch {
      targetOnline = false;
    }
    const counted = await countByStatus(edgeS3, record.edgeBucket, record.settings.prefix, now);
    const problems: [HealthStatus, string][] = [];
    if (!ruleOnServer || !target)
      problems.push([
        'CRITICAL',
        `the ${!ruleOnServer ? 'rule' : 'remote target'} is gone from ${record.edge}/${record.edgeBucket} (re-run replicate setup)`,
      ]);
    if (counted.counts.failed > 0) problems.push(['CRITICAL', `${counted.counts.failed} object(s) failed to replicate`]);
    if (!targetOnline) problems.push(['WARNING', `central endpoint '${record.central}' is offline`]);
    if (counted.counts.pending > 0)
      problems.push(['WARNING', `${counted.counts.pending} object(s) waiting, the oldest for ${counted.oldestPendingSeconds}s`]);
    const status = worstStatus(problems.map(([s]) => s));
    return {
      ...base,
      status,
      summary: problems.length
        ? problems.map(([, m]) => m).join('; ')
        : `${counted.counts.replicated} object(s) replicated, nothing waiting`,
      ruleOnServer,
      targetOnline,
      ...counted,
      lastError: problems.length ? problems[0]![1] : null,
    };
  } catch (error) {
    const mapped = storageFailure(error, { alias: record.edge, path: `${record.edge}/${record.edgeBucket}`, action: 'read' });
    if (mapped.kind === 'bug') throw mapped;
    const message = mapped.message;
    return {
      ...base,
      status: 'UNKNOWN',
      summary: `cannot read the edge: ${message}`,
      ruleOnServer: false,
      targetOnline: null,
      counts: { replicated: 0, pending: 0, failed: 0, other: 0 },
      bytes: { replicated: 0, pending: 0, failed: 0 },
      oldestPendingSeconds: null,
      lastError: message,
      error: { code: mapped.code, message, ...(mapped.suggestion ? { suggestion: mapped.suggestion } : {}) },
    };
  }
}
