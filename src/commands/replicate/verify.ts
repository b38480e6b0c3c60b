import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { spanFlag } from '../../cli/flags.ts';
import type { CanaryResult } from '../../core/replication/canary.ts';

export interface ReplicateVerifyResult {
  canaries: CanaryResult[];
}

export default class ReplicateVerify extends BaseCommand<ReplicateVerifyResult> {
  static override summary = 'Prove replication end to end with a canary object, and measure the lag.';
  static override description =
    "Writes a small canary object on the edge (under the rule's prefix), waits until the central bucket holds the same bytes, reports the lag, then removes every version of it from both sides. Exit 0 when it arrived, 2 when it did not within --timeout.";
  static override examples = [
    '<%= config.bin %> replicate verify edge1/ingest',
    '<%= config.bin %> replicate verify edge1/ingest --timeout 2m --json',
  ];
  static override audited = true;
  static override args = { edge: Args.string({ description: 'EDGE/BUCKET', required: true }) };
  static override flags = { timeout: spanFlag({ description: 'how long to wait for the canary at central', default: '60s' }) };

  protected async execute(): Promise<ReplicateVerifyResult> {
    const { args, flags } = await this.parse(ReplicateVerify);
    const db = await this.store();
    const { storageResolver } = await import('../../core/endpoints/storage.ts');
    const { findRecords } = await import('../../core/replication/lookup.ts');
    const { resolveSides } = await import('../../core/replication/sides.ts');
    const { verifyReplication } = await import('../../core/replication/canary.ts');
    const storage = await storageResolver(db);
    const records = await findRecords(db, storage, { edge: args.edge });
    const canaries: CanaryResult[] = [];
    for (const record of records) {
      const { edgeS3, centralS3 } = await resolveSides(db, storage, record);
      canaries.push(await verifyReplication({ record, edgeS3, centralS3, timeoutMs: flags.timeout * 1000 }));
    }
    return { canaries };
  }

  protected override renderHuman({ canaries }: ReplicateVerifyResult): void {
    for (const c of canaries)
      this.log(
        `${c.edge} -> ${c.central}: canary arrived after ${c.lagMs} ms${c.cleanedUp ? ', removed from both sides' : ' (could not remove it from the edge)'}.`,
      );
  }
}
