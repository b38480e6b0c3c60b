import { createHash } from 'node:crypto';
import type { Client } from 'minio';
import type { AuditContext } from '../audit/context.ts';
import type { ResolvedEndpoint } from '../endpoints/model.ts';
import { createS3Client } from '../s3/client.ts';
import { MpegflowError, userError } from '../errors.ts';
import type { Db } from '../store/open.ts';
import { formatRef, ruleIdFor, type BucketRef, type ReplicationSettings } from './model.ts';
import { MinioAdminClient } from '../minio-admin/client.ts';
import { headFailure, responseFailure, storageFailure } from '../s3/errors.ts';
import { adminRequest } from '../minio-admin/http.ts';
import type { ReplicationSides } from './sides.ts';
import { listRemoteTargets, setRemoteTarget, type RemoteTarget } from './targets.ts';

type Versioning = 'Enabled' | 'Suspended' | 'Off';

export interface PlanStep {
  action: 'create-bucket' | 'enable-versioning' | 'create-target' | 'update-target' | 'put-rule';
  where: string;
  detail: string;
}

export interface ReplicationPlan {
  edge: BucketRef;
  central: BucketRef;
  settings: ReplicationSettings;
  ruleId: string;
  facts: string[];
  steps: PlanStep[];
  /** The edge's replication target for this central bucket, when it exists already. */
  targetArn: string | null;
}

/** Both ends; a client not given is made here. */
type Sides = Pick<ReplicationSides, 'edge' | 'central'> & Partial<ReplicationSides>;

/** An S3 failure on one side, as an error naming that endpoint and the bucket (core/s3/errors.ts). */
function s3Problem(side: ResolvedEndpoint, error: unknown, action: string, bucket?: string): MpegflowError {
  return storageFailure(error, { alias: side.name, url: side.url, action, ...(bucket ? { path: `${side.name}/${bucket}` } : {}) });
}

/** A failed HEAD of a bucket says little (403, 404): asked once more, a refused key or a missing bucket is named. */
function bucketProblem(side: ResolvedEndpoint, s3: Client, error: unknown, bucket: string): Promise<MpegflowError> {
  return headFailure(error, { alias: side.name, url: side.url, path: `${side.name}/${bucket}`, action: 'read' }, () =>
    s3.getBucketVersioning(bucket),
  );
}

async function versioning(s3: Client, bucket: string): Promise<Versioning> {
  const config = (await s3.getBucketVersioning(bucket)) as { Status?: string } | undefined;
  return config?.Status === 'Enabled' ? 'Enabled' : config?.Status === 'Suspended' ? 'Suspended' : 'Off';
}

export interface ReplicationRuleXml {
  ID: string;
  Status: string;
  Priority?: number | string;
  Destination?: { Bucket?: string; StorageClass?: string };
  Filter?: { Prefix?: string };
  DeleteMarkerReplication?: { Status?: string };
  DeleteReplication?: { Status?: string };
  ExistingObjectReplication?: { Status?: string };
  SourceSelectionCriteria?: { ReplicaModifications?: { Status?: string } };
}

export async function replicationRules(s3: Client, bucket: string): Promise<ReplicationRuleXml[]> {
  try {
    const config = (await s3.getBucketReplication(bucket)) as unknown as { ReplicationConfiguration?: { rules?: ReplicationRuleXml[] } };
    return config.ReplicationConfiguration?.rules ?? [];
  } catch (error) {
    if ((error as { code?: string }).code === 'ReplicationConfigurationNotFoundError') return [];
    throw error;
  }
}

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function toXml(value: unknown, name: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'object') return `<${name}>${xmlEscape(String(value))}</${name}>`;
  return `<${name}>${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => toXml(v, k))
    .join('')}</${name}>`;
}

/**
 * S3 PutBucketReplication, signed by our SigV4 signer: the SDK insists on an
 * IAM role, which MinIO's rules (destination = the remote target's ARN) do not use.
 */
export async function putReplicationConfig(edge: ResolvedEndpoint, bucket: string, rules: ReplicationRuleXml[]): Promise<void> {
  const body = Buffer.from(
    `<ReplicationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules.map((r) => toXml(r, 'Rule')).join('')}</ReplicationConfiguration>`,
  );
  const res = await adminRequest(edge, {
    method: 'PUT',
    path: `/${encodeURIComponent(bucket)}`,
    query: { replication: '' },
    body,
    headers: { 'content-md5': createHash('md5').update(body).digest('base64'), 'content-type': 'application/xml' },
    retries: 0,
  });
  if (res.status !== 200)
    throw responseFailure(res, { alias: edge.name, url: edge.url, path: `${edge.name}/${bucket}`, action: 'set the replication rules of' });
}

const flag = (on: boolean) => ({ Status: on ? 'Enabled' : 'Disabled' });

function ruleFor(settings: ReplicationSettings, ruleId: string, arn: string): ReplicationRuleXml {
  return {
    ID: ruleId,
    Status: 'Enabled',
    Priority: settings.priority,
    DeleteMarkerReplication: flag(settings.replicate.deleteMarker),
    DeleteReplication: flag(settings.replicate.delete),
    ExistingObjectReplication: flag(settings.replicate.existingObjects),
    SourceSelectionCriteria: { ReplicaModifications: flag(settings.replicate.metadataSync) },
    Filter: { Prefix: settings.prefix },
    Destination: { Bucket: arn },
  };
}

function sameRule(a: ReplicationRuleXml, b: ReplicationRuleXml): boolean {
  const norm = (r: ReplicationRuleXml) =>
    JSON.stringify([
      r.Status,
      Number(r.Priority ?? 0),
      r.DeleteMarkerReplication?.Status ?? 'Disabled',
      r.DeleteReplication?.Status ?? 'Disabled',
      r.ExistingObjectReplication?.Status ?? 'Disabled',
      r.SourceSelectionCriteria?.ReplicaModifications?.Status ?? 'Disabled',
      r.Filter?.Prefix ?? '',
      r.Destination?.Bucket,
    ]);
  return norm(a) === norm(b);
}

function targetFor(
  sides: Sides,
  edge: BucketRef,
  central: BucketRef,
  settings: ReplicationSettings,
): Omit<RemoteTarget, 'credentials' | 'arn'> {
  const url = new URL(sides.central.url);
  return {
    sourcebucket: edge.bucket,
    endpoint: url.host,
    targetbucket: central.bucket,
    secure: url.protocol === 'https:',
    type: 'replication',
    region: sides.central.region,
    ...(settings.bandwidth ? { bandwidthlimit: settings.bandwidth } : {}),
    replicationSync: settings.sync,
  };
}

/** Reads both sides and lists what setup would change; changes nothing. Every precondition is checked here. */
export async function planReplication({
  edge,
  central,
  settings,
  sides,
}: {
  edge: BucketRef;
  central: BucketRef;
  settings: ReplicationSettings;
  sides: Sides;
}): Promise<ReplicationPlan> {
  if (sides.edge.url === sides.central.url && edge.bucket === central.bucket) {
    throw userError(
      `${formatRef(edge)} and ${formatRef(central)} are the same bucket`,
      'replicate into a bucket on the central deployment',
      'SAME_BUCKET',
    );
  }
  for (const side of [sides.edge, sides.central]) {
    if (!(await new MinioAdminClient(side, { timeoutMs: 10_000 }).ready())) {
      throw userError(
        `endpoint '${side.name}' (${side.url}) is not a MinIO server (no /minio/health/ready)`,
        'server-side replication needs MinIO on both sides; check the URL with `mpegflow endpoint test`',
        'NOT_MINIO',
      );
    }
  }
  const edgeS3 = (sides.edgeS3 ??= createS3Client(sides.edge));
  const centralS3 = (sides.centralS3 ??= createS3Client(sides.central));
  const facts: string[] = [];
  const steps: PlanStep[] = [];

  const edgeExists = await edgeS3
    .bucketExists(edge.bucket)
    .catch(async (e: unknown) => Promise.reject(await bucketProblem(sides.edge, edgeS3, e, edge.bucket)));
  if (!edgeExists)
    throw userError(
      `the edge bucket ${formatRef(edge)} does not exist`,
      `create it first (mc mb ${formatRef(edge)}) or check the name`,
      'BUCKET_NOT_FOUND',
    );
  // checks central's credentials and reachability with a real S3 call before anything changes
  const centralExists = await centralS3
    .bucketExists(central.bucket)
    .catch(async (e: unknown) => Promise.reject(await bucketProblem(sides.central, centralS3, e, central.bucket)));
  if (!centralExists)
    steps.push({ action: 'create-bucket', where: formatRef(central), detail: 'create the target bucket (--create-bucket)' });
  else facts.push(`${formatRef(central)} exists`);

  for (const [ref, s3, exists] of [
    [edge, edgeS3, true],
    [central, centralS3, centralExists],
  ] as const) {
    const side = ref === edge ? sides.edge : sides.central;
    const state: Versioning = exists
      ? await versioning(s3, ref.bucket).catch((e: unknown) => Promise.reject(s3Problem(side, e, 'read the versioning of', ref.bucket)))
      : 'Off';
    if (state === 'Suspended') {
      throw userError(
        `versioning is suspended on ${formatRef(ref)}`,
        `replication needs it enabled; someone suspended it on purpose, so MpegFlow leaves that to you: mc version enable ${formatRef(ref)}`,
        'VERSIONING_SUSPENDED',
      );
    }
    if (state === 'Enabled') facts.push(`versioning is enabled on ${formatRef(ref)}`);
    else
      steps.push({ action: 'enable-versioning', where: formatRef(ref), detail: 'enable versioning (replication needs it on both sides)' });
  }

  const wanted = targetFor(sides, edge, central, settings);
  const targets = await listRemoteTargets(sides.edge, edge.bucket);
  const existing = targets.find((t) => t.targetbucket === central.bucket && t.endpoint === wanted.endpoint);
  if (!existing)
    steps.push({
      action: 'create-target',
      where: formatRef(edge),
      detail: `create a remote target to ${sides.central.url}/${central.bucket} (credentials sent encrypted)`,
    });
  else if (
    (existing.bandwidthlimit ?? 0) !== (wanted.bandwidthlimit ?? 0) ||
    Boolean(existing.replicationSync) !== Boolean(wanted.replicationSync)
  ) {
    steps.push({ action: 'update-target', where: formatRef(edge), detail: `update the remote target ${existing.arn} (bandwidth, sync)` });
  } else facts.push(`remote target ${existing.arn} exists`);

  const ruleId = ruleIdFor(central);
  const rules = await replicationRules(edgeS3, edge.bucket).catch((e: unknown) =>
    Promise.reject(s3Problem(sides.edge, e, 'read the replication rules of', edge.bucket)),
  );
  const current = rules.find((r) => r.ID === ruleId);
  if (!existing || !current || !sameRule(current, ruleFor(settings, ruleId, existing.arn!))) {
    steps.push({
      action: 'put-rule',
      where: formatRef(edge),
      detail: `${current ? 'update' : 'add'} replication rule ${ruleId}${settings.prefix ? ` for prefix ${settings.prefix}` : ''}`,
    });
  } else facts.push(`replication rule ${ruleId} is in place`);

  return { edge, central, settings, ruleId, facts, steps, targetArn: existing?.arn ?? null };
}

export interface ApplyResult extends ReplicationPlan {
  applied: PlanStep[];
  targetArn: string;
}

/**
 * Carries out a plan in an order that a re-run can resume from: buckets and
 * versioning, then the remote target, then the rule; the record and the audit
 * entry are written once everything is in place.
 */
export async function applyReplication({
  plan,
  sides,
  db,
  audit,
  now = () => new Date(),
}: {
  plan: ReplicationPlan;
  sides: Sides;
  db: Db;
  audit: AuditContext;
  now?: () => Date;
}): Promise<ApplyResult> {
  const edgeS3 = (sides.edgeS3 ??= createS3Client(sides.edge));
  const centralS3 = (sides.centralS3 ??= createS3Client(sides.central));
  const applied: PlanStep[] = [];
  let arn = plan.targetArn;
  for (const step of plan.steps) {
    const s3 = step.where === formatRef(plan.edge) ? edgeS3 : centralS3;
    const side = step.where === formatRef(plan.edge) ? sides.edge : sides.central;
    const bucket = step.where === formatRef(plan.edge) ? plan.edge.bucket : plan.central.bucket;
    try {
      if (step.action === 'create-bucket') await s3.makeBucket(bucket, side.region);
      else if (step.action === 'enable-versioning') await s3.setBucketVersioning(bucket, { Status: 'Enabled' });
      else if (step.action === 'create-target' || step.action === 'update-target') {
        arn = await setRemoteTarget(
          sides.edge,
          sides.central,
          targetFor(sides, plan.edge, plan.central, plan.settings),
          step.action === 'update-target' ? arn : null,
        );
      } else {
        const others = (await replicationRules(edgeS3, plan.edge.bucket)).filter((r) => r.ID !== plan.ruleId);
        await putReplicationConfig(sides.edge, plan.edge.bucket, [...others, ruleFor(plan.settings, plan.ruleId, arn!)]);
      }
    } catch (error) {
      const problem = s3Problem(side, error, step.detail.replace(/ \(.*\)$/, ''), bucket);
      throw new MpegflowError(`${problem.message} (after ${applied.length} of ${plan.steps.length} steps)`, {
        code: problem.code,
        retryable: problem.retryable,
        details: problem.details,
        suggestion: `fix the cause and run the same setup again: it resumes from what is in place${problem.suggestion ? `; ${problem.suggestion}` : ''}`,
        cause: error,
      });
    }
    applied.push(step);
  }
  const ts = now().toISOString();
  await db.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO replication_rules (edge, edge_bucket, central, central_bucket, rule_id, target_arn, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (edge, edge_bucket, central, central_bucket) DO UPDATE SET rule_id = excluded.rule_id, target_arn = excluded.target_arn, settings = excluded.settings, updated_at = excluded.updated_at`,
      [
        plan.edge.endpoint,
        plan.edge.bucket,
        plan.central.endpoint,
        plan.central.bucket,
        plan.ruleId,
        arn!,
        JSON.stringify(plan.settings),
        ts,
        ts,
      ],
    );
    await audit.record(tx, {
      target: `${formatRef(plan.edge)} -> ${formatRef(plan.central)}`,
      detail: { steps: applied.map((s) => s.action), arn, settings: plan.settings },
    });
  });
  return { ...plan, applied, targetArn: arn! };
}
