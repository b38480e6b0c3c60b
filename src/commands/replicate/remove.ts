import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import type { ReplicationRecord } from '../../core/replication/records.ts';

export default class ReplicateRemove extends BaseCommand<{ removed: ReplicationRecord[] }> {
  static override summary = "Remove MpegFlow's replication rule(s) and remote target(s) from an edge bucket.";
  static override description =
    'Versioning and every object stay as they are, on both sides. With --target only the rule to that CENTRAL/BUCKET goes.';
  static override examples = [
    '<%= config.bin %> replicate remove edge1/ingest',
    '<%= config.bin %> replicate remove edge1/ingest --target central/masters',
  ];
  static override audited = true;
  static override args = { edge: Args.string({ description: 'EDGE/BUCKET', required: true }) };
  static override flags = { target: Flags.string({ description: 'only the rule to this CENTRAL/BUCKET' }) };

  protected async execute(): Promise<{ removed: ReplicationRecord[] }> {
    const { args, flags } = await this.parse(ReplicateRemove);
    const db = await this.store();
    const { storageResolver } = await import('../../core/endpoints/storage.ts');
    const { resolveSide } = await import('../../core/replication/sides.ts');
    const { findRecords } = await import('../../core/replication/lookup.ts');
    const { removeReplication } = await import('../../core/replication/remove.ts');
    const storage = await storageResolver(db);
    const records = await findRecords(db, storage, { edge: args.edge, target: flags.target });
    const edge = await resolveSide(db, storage, records[0]!.edge);
    return removeReplication({ db, audit: await this.auditContext(), records, edge: edge.endpoint, edgeS3: edge.s3 });
  }

  protected override renderHuman({ removed }: { removed: ReplicationRecord[] }): void {
    for (const r of removed)
      this.log(
        `Removed ${r.edge}/${r.edgeBucket} -> ${r.central}/${r.centralBucket} (rule ${r.ruleId}); versioning and data left as they were.`,
      );
  }
}
