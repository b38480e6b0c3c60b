import type { Client } from 'minio';
import type { AuditContext } from '../audit/context.ts';
import type { ResolvedEndpoint } from '../endpoints/model.ts';
import type { Db } from '../store/open.ts';
import { deleteRecord, type ReplicationRecord } from './records.ts';
import { putReplicationConfig, replicationRules } from './setup.ts';
import { listRemoteTargets, removeRemoteTarget } from './targets.ts';
import { storageFailure } from '../s3/errors.ts';

/**
 * Removes MpegFlow's rules from an edge bucket and their remote targets;
 * versioning and every object stay as they are. Safe to repeat: what is
 * already gone is skipped.
 */
export async function removeReplication({
  db,
  audit,
  records,
  edge,
  edgeS3,
}: {
  db: Db;
  audit: AuditContext;
  records: ReplicationRecord[];
  edge: ResolvedEndpoint;
  edgeS3: Client;
}): Promise<{ removed: ReplicationRecord[] }> {
  for (const bucket of new Set(records.map((r) => r.edgeBucket))) {
    const mine = new Set(records.filter((r) => r.edgeBucket === bucket).map((r) => r.ruleId));
    const where = { alias: edge.name, url: edge.url, path: `${edge.name}/${bucket}` };
    const rules = await replicationRules(edgeS3, bucket).catch((error: unknown) => {
      throw storageFailure(error, { ...where, action: 'read the replication rules of' });
    });
    const keep = rules.filter((r) => !mine.has(r.ID));
    if (keep.length !== rules.length) {
      if (keep.length > 0) await putReplicationConfig(edge, bucket, keep);
      else
        await edgeS3.removeBucketReplication(bucket).catch((error: unknown) => {
          throw storageFailure(error, { ...where, action: 'remove the replication rules of' });
        });
    }
    const targets = await listRemoteTargets(edge, bucket);
    for (const record of records.filter((r) => r.edgeBucket === bucket)) {
      if (targets.some((t) => t.arn === record.targetArn)) await removeRemoteTarget(edge, bucket, record.targetArn);
    }
  }
  await db.transaction(async (tx) => {
    for (const record of records) await deleteRecord(tx, record);
    await audit.record(tx, {
      target: records.map((r) => `${r.edge}/${r.edgeBucket} -> ${r.central}/${r.centralBucket}`).join(', '),
      detail: { rules: records.map((r) => r.ruleId) },
    });
  });
  return { removed: records };
}
