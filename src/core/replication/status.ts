import type { Client } from 'minio';
import type { ResolvedEndpoint } from '../endpoints/model.ts';
import { errorSummary } from '../errors.ts';
import { storageFailure } from '../s3/errors.ts';
import { worstStatus, type HealthStatus } from '../health/quorum.ts';
import { MinioAdminClient } from '../minio-admin/client.ts';
import type { AgedKey } from './oldest-keys.ts';
import type { ListedObject } from '../s3/listing.ts';
import { listWithReplicationStatus, walkObjects, type ObjectWalk } from './object-walk.ts';
import { fetchReplicationMetrics, targetMetrics, type TargetMetrics, type WireMetricsV2 } from './metrics.ts';
import type { ReplicationRecord } from './records.ts';
import { replicationRules, type ReplicationRuleXml } from './setup.ts';
import { listRemoteTargets, type ListedTarget } from './targets.ts';

export interface RuleStatus {
  edge: string;
  edgeBucket: string;
  central: string;
  centralBucket: string;
  ruleId: string;
  status: HealthStatus;
  summary: string;
  /** Where the figures come from: MinIO's replication metrics (default) or a walk over every object (--deep). */
  source: 'metrics' | 'objects';
  ruleOnServer: boolean;
  targetOnline: boolean | null;
  /** MinIO's own view of the remote target: its last health check, and the latency of the edge's requests to it. */
  targetHealth: { online: boolean; latencyMs: { current: number; average: number; max: number } } | null;
  /** metrics: replicated since the edge started, queued now, failed in the last hour. objects: each object's state. */
  counts: { replicated: number; pending: number; failed: number };
  bytes: { replicated: number; pending: number; failed: number };
  /** Age of the oldest object still waiting, seconds (--deep only). */
  oldestPendingSeconds: number | null;
  metrics: TargetMetrics | null;
  /** With --deep: objects walked, those in no replication state, and the oldest waiting and failed keys. */
  objects: { walked: number; other: number; oldestPending: AgedKey[]; oldestFailed: AgedKey[] } | null;
  lastError: string | null;
  /** Why the edge could not be read (status UNKNOWN): the mapped storage error. */
  error?: { code: string; message: string; suggestion?: string };
}

/** The calls to the servers, replaceable in tests. */
export interface ServerCalls {
  rules: (s3: Client, bucket: string) => Promise<ReplicationRuleXml[]>;
  targets: (edge: ResolvedEndpoint, bucket: string) => Promise<ListedTarget[]>;
  metrics: (edge: ResolvedEndpoint, bucket: string) => Promise<WireMetricsV2>;
  centralReady: (central: ResolvedEndpoint) => Promise<boolean>;
  listing: (s3: Client, bucket: string, prefix: string) => AsyncIterable<ListedObject>;
}

/** Does the central endpoint answer /minio/health/ready from here (3 s at most). */
export const centralReady = (central: ResolvedEndpoint): Promise<boolean> =>
  new MinioAdminClient(central, { timeoutMs: 3000, retries: 0 }).ready().catch(() => false);

const serverCalls: ServerCalls = {
  rules: replicationRules,
  targets: listRemoteTargets,
  metrics: fetchReplicationMetrics,
  centralReady,
  listing: listWithReplicationStatus,
};

export interface StatusDeps {
  resolve: (name: string) => Promise<ResolvedEndpoint>;
  s3For: (name: string) => Client;
  now?: () => Date;
  /** Walk every object, keeping this many of the oldest waiting and failed keys. */
  deep?: { keep: number };
  calls?: Partial<ServerCalls>;
}

export interface RuleFacts {
  ruleOnServer: boolean;
  targetPresent: boolean;
  targetOnline: boolean;
  pending: number;
  oldestPendingSeconds: number | null;
  /** Objects marked FAILED (--deep), or failures in the last hour (metrics). */
  failed: number;
  /** Failures seen in the last minute (metrics only): replication is failing now. */
  failingNow: number;
  source: RuleStatus['source'];
}

/**
 * OK: nothing waiting or failing. WARNING: a backlog, the target offline, or
 * (metrics) failures earlier in the hour that are not repeating.
 * CRITICAL: objects marked failed (--deep), failures in the last minute or
 * while the target is offline (metrics), or the rule gone from the server.
 */
export function assessRule(facts: RuleFacts, where: { edge: string; central: string }): { status: HealthStatus; problems: string[] } {
  const problems: [HealthStatus, string][] = [];
  if (!facts.ruleOnServer || !facts.targetPresent)
    problems.push([
      'CRITICAL',
      `the ${!facts.ruleOnServer ? 'rule' : 'remote target'} is gone from ${where.edge} (re-run replicate setup)`,
    ]);
  if (facts.source === 'objects' && facts.failed > 0) problems.push(['CRITICAL', `${facts.failed} object(s) failed to replicate`]);
  if (facts.source === 'metrics' && facts.failed > 0)
    problems.push([
      facts.failingNow > 0 || !facts.targetOnline ? 'CRITICAL' : 'WARNING',
      `${facts.failed} replication(s) failed in the last hour${facts.failingNow > 0 ? `, ${facts.failingNow} in the last minute` : ''}`,
    ]);
  if (!facts.targetOnline) problems.push(['WARNING', `central endpoint '${where.central}' is offline`]);
  if (facts.pending > 0)
    problems.push([
      'WARNING',
      `${facts.pending} object(s) waiting${facts.oldestPendingSeconds === null ? '' : `, the oldest for ${facts.oldestPendingSeconds}s`}`,
    ]);
  return { status: worstStatus(problems.map(([s]) => s)), problems: problems.map(([, m]) => m) };
}

const NS_PER_MS = 1e6;

function targetHealth(target: ListedTarget): NonNullable<RuleStatus['targetHealth']> {
  const ms = (ns: number | undefined) => Math.round((ns ?? 0) / NS_PER_MS);
  return {
    online: Boolean(target.isOnline),
    latencyMs: { current: ms(target.latency?.curr), average: ms(target.latency?.avg), max: ms(target.latency?.max) },
  };
}

const ageSeconds = (keys: AgedKey[], now: Date) =>
  keys[0] ? Math.max(0, Math.round((now.getTime() - new Date(keys[0].lastModified).getTime()) / 1000)) : null;

function figures(m: TargetMetrics, walk: ObjectWalk | null, now: Date) {
  if (walk)
    return {
      counts: { replicated: walk.counts.replicated, pending: walk.counts.pending, failed: walk.counts.failed },
      bytes: walk.bytes,
      oldestPendingSeconds: ageSeconds(walk.oldestPending, now),
      failingNow: 0,
    };
  return {
    counts: { replicated: m.replicated.count, pending: m.queued.count, failed: m.failed.lastHour.count },
    bytes: { replicated: m.replicated.bytes, pending: m.queued.bytes, failed: m.failed.lastHour.bytes },
    oldestPendingSeconds: null,
    failingNow: m.failed.lastMinute.count,
  };
}

/**
 * What one status round reads once however many rules share it: a bucket's
 * rules, targets and metrics, a walk over its objects, an endpoint, a
 * central's health. A bucket replicated to two centrals is walked once.
 */
class RoundReads {
  private readonly reads = new Map<string, Promise<unknown>>();

  once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let pending = this.reads.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = read();
      pending.catch(() => undefined); // each rule that shares it awaits it and says what failed
      this.reads.set(key, pending);
    }
    return pending;
  }
}

/** The state of each rule, reading what rules share once. */
export function replicationStatus(records: ReplicationRecord[], deps: StatusDeps): Promise<RuleStatus[]> {
  const reads = new RoundReads();
  return Promise.all(records.map((record) => ruleStatus(record, deps, reads)));
}

/**
 * One rule's state: is MinIO still holding the rule and its target, is the
 * central side reachable, and what is replicated, waiting and failing. By
 * default from the edge's replication metrics (a few requests whatever the
 * bucket holds); with `deep` from every object's replication status.
 */
export async function ruleStatus(record: ReplicationRecord, deps: StatusDeps, reads = new RoundReads()): Promise<RuleStatus> {
  const calls = { ...serverCalls, ...deps.calls };
  const { deep } = deps;
  const now = (deps.now ?? (() => new Date()))();
  const base = {
    edge: record.edge,
    edgeBucket: record.edgeBucket,
    central: record.central,
    centralBucket: record.centralBucket,
    ruleId: record.ruleId,
    source: deep ? ('objects' as const) : ('metrics' as const),
  };
  const endpoint = (name: string) => reads.once(`endpoint ${name}`, () => deps.resolve(name));
  let central: ResolvedEndpoint;
  try {
    central = await endpoint(record.central);
  } catch (error) {
    return unreadable(base, error, 'central');
  }
  try {
    const edge = await endpoint(record.edge);
    const edgeS3 = deps.s3For(record.edge);
    const bucket = `${record.edge}/${record.edgeBucket}`;
    const rulesRead = reads.once(`rules ${bucket}`, () => calls.rules(edgeS3, record.edgeBucket));
    const [rules, targets, wire, targetOnline, walk] = await Promise.all([
      rulesRead,
      reads.once(`targets ${bucket}`, () => calls.targets(edge, record.edgeBucket)),
      // MinIO refuses the metrics of a bucket left without any replication rule
      reads.once(`metrics ${bucket}`, () => rulesRead.then((found) => (found.length ? calls.metrics(edge, record.edgeBucket) : {}))),
      reads.once(`ready ${record.central}`, () => calls.centralReady(central)),
      deep
        ? reads.once(`walk ${bucket}/${record.settings.prefix}`, () =>
            walkObjects(calls.listing(edgeS3, record.edgeBucket, record.settings.prefix), deep.keep, now),
          )
        : null,
    ]);
    const metrics = targetMetrics(wire, record.targetArn);
    const figured = figures(metrics, walk, now);
    const ruleOnServer = rules.some((r) => r.ID === record.ruleId);
    const target = targets.find((t) => t.arn === record.targetArn);
    const { status, problems } = assessRule(
      {
        ruleOnServer,
        targetPresent: target !== undefined,
        targetOnline,
        pending: figured.counts.pending,
        oldestPendingSeconds: figured.oldestPendingSeconds,
        failed: figured.counts.failed,
        failingNow: figured.failingNow,
        source: base.source,
      },
      { edge: `${record.edge}/${record.edgeBucket}`, central: record.central },
    );
    return {
      ...base,
      status,
      summary: problems.length ? problems.join('; ') : `${figured.counts.replicated} object(s) replicated, nothing waiting`,
      ruleOnServer,
      targetOnline,
      targetHealth: target ? targetHealth(target) : null,
      counts: figured.counts,
      bytes: figured.bytes,
      oldestPendingSeconds: figured.oldestPendingSeconds,
      metrics,
      objects: walk
        ? { walked: walk.objects, other: walk.counts.other, oldestPending: walk.oldestPending, oldestFailed: walk.oldestFailed }
        : null,
      lastError: problems[0] ?? null,
    };
  } catch (error) {
    return unreadable(base, error, 'edge');
  }
}

/** UNKNOWN: one side of the rule could not be read; the mapped storage error says why. */
function unreadable(
  base: Pick<RuleStatus, 'edge' | 'edgeBucket' | 'central' | 'centralBucket' | 'ruleId' | 'source'>,
  error: unknown,
  side: 'edge' | 'central',
): RuleStatus {
  const [alias, bucket] = side === 'edge' ? [base.edge, base.edgeBucket] : [base.central, base.centralBucket];
  const mapped = storageFailure(error, { alias, path: `${alias}/${bucket}`, action: 'read' });
  if (mapped.kind === 'bug') throw mapped;
  return {
    ...base,
    status: 'UNKNOWN',
    summary: `cannot read the ${side}: ${mapped.message}`,
    ruleOnServer: false,
    targetOnline: null,
    targetHealth: null,
    counts: { replicated: 0, pending: 0, failed: 0 },
    bytes: { replicated: 0, pending: 0, failed: 0 },
    oldestPendingSeconds: null,
    metrics: null,
    objects: null,
    lastError: mapped.message,
    error: errorSummary(mapped),
  };
}
