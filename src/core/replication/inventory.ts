import type { Client } from 'minio';
import type { ReplicationRecord } from './records.ts';
import { replicationRules } from './setup.ts';
import { errorSummary } from '../errors.ts';
import { storageFailure } from '../s3/errors.ts';

export interface InventoryEntry {
  edge: string;
  edgeBucket: string;
  ruleId: string;
  destination: string | null;
  /** in-sync: set up by MpegFlow and on the server; missing: MpegFlow set it up but the server no longer has it; foreign: on the server, not set up by MpegFlow. */
  state: 'in-sync' | 'missing' | 'foreign' | 'unreachable';
  record: ReplicationRecord | null;
  /** Why the edge could not be read (state unreachable): the mapped storage error. */
  error?: { code: string; message: string; suggestion?: string };
}

/** What MpegFlow recorded against what the edges' buckets hold now. */
export async function inventory({
  records,
  edges,
  s3For,
}: {
  records: ReplicationRecord[];
  edges: string[];
  s3For: (name: string) => Client;
}): Promise<InventoryEntry[]> {
  const entries: InventoryEntry[] = [];
  for (const edge of edges) {
    const s3 = s3For(edge);
    let buckets: string[];
    try {
      buckets = (await s3.listBuckets()).map((b) => b.name);
    } catch (error) {
      const mapped = storageFailure(error, { alias: edge, action: 'list the buckets' });
      if (mapped.kind === 'bug') throw mapped;
      const reason = errorSummary(mapped);
      const mine = records.filter((x) => x.edge === edge);
      for (const r of mine)
        entries.push({
          edge,
          edgeBucket: r.edgeBucket,
          ruleId: r.ruleId,
          destination: r.targetArn,
          state: 'unreachable',
          record: r,
          error: reason,
        });
      if (mine.length === 0)
        entries.push({ edge, edgeBucket: '', ruleId: '', destination: null, state: 'unreachable', record: null, error: reason });
      continue;
    }
    for (const bucket of buckets) {
      const rules = await replicationRules(s3, bucket).catch(() => []);
      for (const rule of rules) {
        const record = records.find((r) => r.edge === edge && r.edgeBucket === bucket && r.ruleId === rule.ID) ?? null;
        entries.push({
          edge,
          edgeBucket: bucket,
          ruleId: rule.ID,
          destination: rule.Destination?.Bucket ?? null,
          state: record ? 'in-sync' : 'foreign',
          record,
        });
      }
    }
    for (const r of records.filter((x) => x.edge === edge)) {
      if (!entries.some((e) => e.record === r))
        entries.push({ edge, edgeBucket: r.edgeBucket, ruleId: r.ruleId, destination: r.targetArn, state: 'missing', record: r });
    }
  }
  return entries;
}
