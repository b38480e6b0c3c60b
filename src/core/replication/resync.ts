import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditContext } from '../audit/context.ts';
import * as z from 'zod';
import type { ResolvedEndpoint } from '../endpoints/model.ts';
import { optional } from '../minio-admin/types.ts';
import { usageError } from '../errors.ts';
import type { Db } from '../store/open.ts';
import { bucketExtension } from './bucket-extension.ts';
import { fetchReplicationMetrics, targetMetrics } from './metrics.ts';
import type { ReplicationRecord } from './records.ts';
import { listRemoteTargets } from './targets.ts';

/** One target's resync as MinIO reports it (minio-go's ResyncTargetsInfo). */
export interface ResyncState {
  arn: string;
  resetId: string;
  /** Pending, Ongoing, Completed, Failed or Canceled; null before MinIO picked it up. */
  status: string | null;
  startTime: string | null;
  endTime: string | null;
  replicated: { count: number; bytes: number };
  failed: { count: number; bytes: number };
}

export interface ResyncPlanEntry {
  edge: string;
  central: string;
  targetArn: string;
  /** Replication failures MinIO saw in the last hour, and since the edge started. */
  failedLastHour: number;
  failedSinceStart: number;
  /** The previous resync of this target, if any. */
  previous: ResyncState | null;
}

const wireResync = z.looseObject({
  arn: optional(z.string()),
  resetid: optional(z.string()),
  resyncStatus: optional(z.string()),
  startTime: optional(z.string()),
  endTime: optional(z.string()),
  completedReplicationSize: optional(z.number()),
  replicationCount: optional(z.number()),
  failedReplicationSize: optional(z.number()),
  failedReplicationCount: optional(z.number()),
});
type WireResync = z.infer<typeof wireResync>;
const resyncAnswer = z.looseObject({ target: optional(z.array(wireResync)) });

const NEVER = '0001-01-01T00:00:00Z';
const when = (time: string | undefined) => (time && time !== NEVER ? time : null);

export function resyncState(wire: WireResync): ResyncState {
  return {
    arn: wire.arn ?? '',
    resetId: wire.resetid ?? '',
    status: wire.resyncStatus || null,
    startTime: when(wire.startTime),
    endTime: when(wire.endTime),
    replicated: { count: wire.replicationCount ?? 0, bytes: wire.completedReplicationSize ?? 0 },
    failed: { count: wire.failedReplicationCount ?? 0, bytes: wire.failedReplicationSize ?? 0 },
  };
}

const FINISHED = new Set(['Completed', 'Failed', 'Canceled']);

async function resyncRequest(edge: ResolvedEndpoint, bucket: string, method: 'GET' | 'PUT', query: Record<string, string>, action: string) {
  const doc = await bucketExtension(edge, bucket, { method, query, action }, resyncAnswer);
  return (doc.target ?? []).map(resyncState);
}

/** GET /BUCKET?replication-reset-status&arn=ARN: the target's last resync, or null when it never had one. */
export async function lastResync(edge: ResolvedEndpoint, bucket: string, arn: string): Promise<ResyncState | null> {
  const states = await resyncRequest(edge, bucket, 'GET', { 'replication-reset-status': '', arn }, 'read the resync status of');
  return states.find((s) => s.arn === arn) ?? null;
}

/** What a resync would re-queue: one entry per rule, refused when a rule cannot resync. */
export async function planResync(
  records: ReplicationRecord[],
  resolve: (name: string) => Promise<ResolvedEndpoint>,
): Promise<ResyncPlanEntry[]> {
  return Promise.all(
    records.map(async (record) => {
      const where = `${record.edge}/${record.edgeBucket}`;
      if (!record.settings.replicate.existingObjects)
        throw usageError(
          `the rule of ${where} -> ${record.central}/${record.centralBucket} does not replicate existing objects, which MinIO's resync needs`,
          `turn it on with \`mpegflow replicate setup ${where} ${record.central}/${record.centralBucket} --replicate existing-objects\``,
        );
      const edge = await resolve(record.edge);
      const [targets, wire, previous] = await Promise.all([
        listRemoteTargets(edge, record.edgeBucket),
        fetchReplicationMetrics(edge, record.edgeBucket),
        lastResync(edge, record.edgeBucket, record.targetArn),
      ]);
      if (!targets.some((t) => t.arn === record.targetArn))
        throw usageError(
          `the remote target of ${where} -> ${record.central}/${record.centralBucket} is gone from ${record.edge}`,
          `re-create it with \`mpegflow replicate setup ${where} ${record.central}/${record.centralBucket}\``,
        );
      const metrics = targetMetrics(wire, record.targetArn);
      return {
        edge: where,
        central: `${record.central}/${record.centralBucket}`,
        targetArn: record.targetArn,
        failedLastHour: metrics.failed.lastHour.count,
        failedSinceStart: metrics.failed.total.count,
        previous,
      };
    }),
  );
}

/**
 * Starts MinIO's resync of each planned target (PUT /BUCKET?replication-reset):
 * the edge walks the bucket and sends again what central lacks, the failed
 * objects among them. One audit entry names the targets and resync ids.
 */
export async function startResync({
  plan,
  records,
  resolve,
  db,
  audit,
}: {
  plan: ResyncPlanEntry[];
  records: ReplicationRecord[];
  resolve: (name: string) => Promise<ResolvedEndpoint>;
  db: Db;
  audit: AuditContext;
}): Promise<ResyncState[]> {
  const started: ResyncState[] = [];
  for (const entry of plan) {
    const record = records.find((r) => r.targetArn === entry.targetArn)!;
    const edge = await resolve(record.edge);
    const resetId = randomUUID();
    const states = await resyncRequest(
      edge,
      record.edgeBucket,
      'PUT',
      { 'replication-reset': '', arn: entry.targetArn, 'reset-id': resetId },
      'start the replication resync of',
    );
    started.push(states.find((s) => s.arn === entry.targetArn) ?? resyncState({ arn: entry.targetArn, resetid: resetId }));
  }
  await audit.record(db, {
    target: plan.map((p) => `${p.edge} -> ${p.central}`).join(', '),
    detail: { resyncs: started.map((s) => ({ arn: s.arn, resetId: s.resetId })) },
  });
  return started;
}

/** Polls each started resync until MinIO reports it finished, or `timeoutMs` passes (the last states either way). */
export async function awaitResync(
  started: ResyncState[],
  records: ReplicationRecord[],
  resolve: (name: string) => Promise<ResolvedEndpoint>,
  { timeoutMs, pollMs = 1000 }: { timeoutMs: number; pollMs?: number },
): Promise<ResyncState[]> {
  const deadline = Date.now() + timeoutMs;
  let states = started;
  for (;;) {
    states = await Promise.all(
      states.map(async (s) => {
        const record = records.find((r) => r.targetArn === s.arn)!;
        return (await lastResync(await resolve(record.edge), record.edgeBucket, s.arn)) ?? s;
      }),
    );
    if (states.every((s) => s.status && FINISHED.has(s.status)) || Date.now() >= deadline) return states;
    await sleep(pollMs);
  }
}
