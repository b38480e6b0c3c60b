import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { spanFlag } from '../../cli/flags.ts';
import type { ResyncPlanEntry, ResyncState } from '../../core/replication/resync.ts';
import { renderResyncOutcome, renderResyncPlan } from '../../ui/replication.ts';

export interface ReplicateResyncResult {
  dryRun: boolean;
  plan: ResyncPlanEntry[];
  resyncs: ResyncState[];
}

export default class ReplicateResync extends BaseCommand<ReplicateResyncResult> {
  static override summary = "Re-queue what did not replicate (failed objects) through MinIO's resync.";
  static override description = `Shows the plan first: each rule of EDGE/BUCKET (only the one to --target with it), the failures MinIO counted and the target's last resync; --dry-run stops there. Then starts MinIO's resync of each target: the edge walks the bucket and sends again what central lacks, the failed objects among them (the rule must replicate existing objects, MpegFlow's default). --wait follows the resync until MinIO reports it finished. One audit entry names the targets and resync ids.`;
  static override examples = [
    '<%= config.bin %> replicate resync edge1/ingest --dry-run',
    '<%= config.bin %> replicate resync edge1/ingest --target central/masters --wait',
  ];
  static override audited = true;
  static override args = { edge: Args.string({ description: 'EDGE/BUCKET', required: true }) };
  static override flags = {
    target: Flags.string({ description: 'only the rule to this CENTRAL/BUCKET' }),
    'dry-run': Flags.boolean({ description: 'show the plan and re-queue nothing' }),
    wait: Flags.boolean({ description: 'wait until MinIO reports each resync finished' }),
    timeout: spanFlag({ description: 'how long to wait with --wait', default: '10m' }),
  };

  protected async execute(): Promise<ReplicateResyncResult> {
    const { args, flags } = await this.parse(ReplicateResync);
    const db = await this.store();
    const { storageResolver } = await import('../../core/endpoints/storage.ts');
    const { resolveEndpoint } = await import('../../core/endpoints/repository.ts');
    const { findRecords } = await import('../../core/replication/lookup.ts');
    const { awaitResync, planResync, startResync } = await import('../../core/replication/resync.ts');
    const records = await findRecords(db, await storageResolver(db), { edge: args.edge, target: flags.target });
    const resolve = (name: string) => resolveEndpoint(db, name);
    const plan = await planResync(records, resolve);
    if (!this.jsonEnabled()) this.log(renderResyncPlan(plan));
    if (flags['dry-run']) return { dryRun: true, plan, resyncs: [] };
    const started = await startResync({ plan, records, resolve, db, audit: await this.auditContext() });
    const resyncs = flags.wait ? await awaitResync(started, records, resolve, { timeoutMs: flags.timeout * 1000 }) : started;
    return { dryRun: false, plan, resyncs };
  }

  /** A resync MinIO reports failed or canceled exits 1. */
  protected override exitCodeFor(result: ReplicateResyncResult): number {
    return result.resyncs.some((s) => s.status === 'Failed' || s.status === 'Canceled') ? 1 : 0;
  }

  protected override renderHuman(result: ReplicateResyncResult): void {
    this.log(renderResyncOutcome(result));
  }
}
