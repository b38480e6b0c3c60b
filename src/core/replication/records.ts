import type { Db } from '../store/open.ts';
import type { ReplicationSettings } from './model.ts';

export interface ReplicationRecord {
  edge: string;
  edgeBucket: string;
  central: string;
  centralBucket: string;
  ruleId: string;
  targetArn: string;
  settings: ReplicationSettings;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  edge: string;
  edge_bucket: string;
  central: string;
  central_bucket: string;
  rule_id: string;
  target_arn: string;
  settings: string;
  created_at: string;
  updated_at: string;
}

export async function replicationRecords(db: Db, filter: { edge?: string; edgeBucket?: string } = {}): Promise<ReplicationRecord[]> {
  return (await db.all<Row>('SELECT * FROM replication_rules ORDER BY edge, edge_bucket, central, central_bucket'))
    .filter((r) => (!filter.edge || r.edge === filter.edge) && (!filter.edgeBucket || r.edge_bucket === filter.edgeBucket))
    .map((r) => ({
      edge: r.edge,
      edgeBucket: r.edge_bucket,
      central: r.central,
      centralBucket: r.central_bucket,
      ruleId: r.rule_id,
      targetArn: r.target_arn,
      settings: JSON.parse(r.settings) as ReplicationSettings,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
}

export async function deleteRecord(db: Db, record: ReplicationRecord): Promise<void> {
  await db.run('DELETE FROM replication_rules WHERE edge = ? AND edge_bucket = ? AND central = ? AND central_bucket = ?', [
    record.edge,
    record.edgeBucket,
    record.central,
    record.centralBucket,
  ]);
}
