import { BaseCommand } from '../../cli/base-command.ts';
import type { InventoryEntry } from '../../core/replication/inventory.ts';
import { renderRuleInventory } from '../../ui/replication.ts';

export interface ReplicateListResult {
  rules: Omit<InventoryEntry, 'record'>[];
}

export default class ReplicateList extends BaseCommand<ReplicateListResult> {
  static override summary = 'Replication rules: those MpegFlow set up, and drift against the servers.';
  static override description =
    "Reads the rules of every bucket on the edges MpegFlow replicates from (and endpoints with role 'edge'). State: in-sync (set up by MpegFlow, present on the server), missing (set up by MpegFlow, gone from the server: re-run setup), foreign (on the server, not set up by MpegFlow), unreachable (the edge could not be read: `error` says why, and the command exits 1).";
  static override examples = ['<%= config.bin %> replicate list', '<%= config.bin %> replicate list --json'];

  protected async execute(): Promise<ReplicateListResult> {
    await this.parse(ReplicateList);
    const db = await this.store();
    const { storageResolver } = await import('../../core/endpoints/storage.ts');
    const { listEndpoints } = await import('../../core/endpoints/repository.ts');
    const { replicationRecords } = await import('../../core/replication/records.ts');
    const { inventory } = await import('../../core/replication/inventory.ts');
    const records = await replicationRecords(db);
    const edges = [
      ...new Set([...records.map((r) => r.edge), ...(await listEndpoints(db)).filter((e) => e.role === 'edge').map((e) => e.name)]),
    ];
    const entries = await inventory({ records, edges, s3For: (await storageResolver(db)).s3For });
    return { rules: entries.map(({ record: _record, ...rest }) => rest) };
  }

  /** An edge that could not be read makes the listing incomplete: exit 1, with the document. */
  protected override exitCodeFor({ rules }: ReplicateListResult): number {
    return rules.some((r) => r.error) ? 1 : 0;
  }

  protected override renderHuman({ rules }: ReplicateListResult): void {
    const { unread, rules: table } = renderRuleInventory(rules);
    process.stderr.write(unread);
    this.log(table);
  }
}
