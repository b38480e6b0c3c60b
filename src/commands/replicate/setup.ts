import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { parseByteSize } from '../../cli/byte-size.ts';
import { usageError } from '../../core/errors.ts';
import { DEFAULT_REPLICATE, type ReplicateOptions } from '../../core/replication/model.ts';
import type { ReplicationPlan } from '../../core/replication/setup.ts';
import { renderSetupOutcome, renderSetupPlan } from '../../ui/replication.ts';

export interface SetupResult extends ReplicationPlan {
  dryRun: boolean;
  applied: ReplicationPlan['steps'];
}

const REPLICATE_FLAGS: Record<string, keyof ReplicateOptions> = {
  delete: 'delete',
  'delete-marker': 'deleteMarker',
  'existing-objects': 'existingObjects',
  'metadata-sync': 'metadataSync',
};

function parseBandwidth(text: string): number {
  return parseByteSize(text, '--bandwidth', { example: '100MiB/s, 50MB or 1G (bytes per second)', noun: 'rate' });
}

export default class ReplicateSetup extends BaseCommand<SetupResult> {
  static override summary = 'Set up server-side replication from an edge bucket to a central bucket (idempotent).';
  static override description = `Plans first and shows the plan: what is in place and what will change (--dry-run stops there). Then enables versioning on both buckets (creating the central bucket only with --create-bucket), creates the remote target on the edge through MinIO's admin API (the central credentials travel only inside the encrypted body), and applies the replication rule. Running it again changes nothing; several edges may feed one central bucket.

Defaults for edge ingest: existing-objects on (what was ingested before the rule is carried too); delete and delete-marker off (cleaning up the edge after material is safe at central never deletes the central copy); metadata-sync off (one-way). Choose with --replicate, e.g. --replicate existing-objects,delete-marker.`;
  static override examples = [
    '<%= config.bin %> replicate setup edge1/ingest central/masters --create-bucket',
    '<%= config.bin %> replicate setup edge2/ingest central/masters --prefix cam-a/ --bandwidth 200MiB/s --dry-run',
  ];
  static override audited = true;
  static override args = {
    edge: Args.string({ description: 'EDGE/BUCKET to replicate from', required: true }),
    central: Args.string({ description: 'CENTRAL/BUCKET to replicate to', required: true }),
  };
  static override flags = {
    prefix: Flags.string({ description: 'replicate only objects under this prefix', default: '' }),
    replicate: Flags.string({
      description: `what to replicate besides new objects: ${Object.keys(REPLICATE_FLAGS).join(',')} (default existing-objects)`,
    }),
    bandwidth: Flags.string({ description: 'limit replication to this rate (e.g. 100MiB/s)' }),
    sync: Flags.boolean({ description: 'replicate synchronously (the edge write waits for central)' }),
    priority: Flags.integer({ description: 'rule priority when a bucket has several rules', default: 1, min: 0 }),
    'create-bucket': Flags.boolean({ description: 'create the central bucket if it does not exist' }),
    'dry-run': Flags.boolean({ description: 'show the plan and change nothing' }),
  };

  protected async execute(): Promise<SetupResult> {
    const { args, flags } = await this.parse(ReplicateSetup);
    const db = await this.store();
    const { loadEntitlements, requireCapability } = await import('../../core/license/entitlements.ts');
    requireCapability(await loadEntitlements({ db }), 'replication');
    const replicate: ReplicateOptions =
      flags.replicate === undefined
        ? { ...DEFAULT_REPLICATE }
        : { delete: false, deleteMarker: false, existingObjects: false, metadataSync: false };
    for (const name of (flags.replicate ?? '').split(',').filter(Boolean)) {
      const key = REPLICATE_FLAGS[name.trim()];
      if (!key) throw usageError(`--replicate '${name}' is not one of ${Object.keys(REPLICATE_FLAGS).join(', ')}`);
      replicate[key] = true;
    }
    const settings = {
      prefix: flags.prefix,
      replicate,
      bandwidth: flags.bandwidth ? parseBandwidth(flags.bandwidth) : null,
      sync: Boolean(flags.sync),
      priority: flags.priority,
    };
    const { storageResolver } = await import('../../core/endpoints/storage.ts');
    const { resolveSides } = await import('../../core/replication/sides.ts');
    const { parseBucketRef } = await import('../../core/replication/model.ts');
    const storage = await storageResolver(db);
    const edge = parseBucketRef(args.edge, storage.isAlias);
    const central = parseBucketRef(args.central, storage.isAlias);
    const sides = await resolveSides(db, storage, { edge: edge.endpoint, central: central.endpoint });
    const { planReplication, applyReplication } = await import('../../core/replication/setup.ts');
    const plan = await planReplication({ edge, central, settings, sides });
    if (plan.steps.some((s) => s.action === 'create-bucket') && !flags['create-bucket']) {
      throw usageError(
        `the central bucket ${central.endpoint}/${central.bucket} does not exist`,
        'add --create-bucket to create it, or check the name',
      );
    }
    if (!this.jsonEnabled()) this.log(renderSetupPlan(plan));
    if (flags['dry-run'] || plan.steps.length === 0) return { ...plan, dryRun: Boolean(flags['dry-run']), applied: [] };
    const result = await applyReplication({ plan, sides, db, audit: await this.auditContext() });
    return { ...result, dryRun: false };
  }

  protected override renderHuman(result: SetupResult): void {
    this.log(renderSetupOutcome(result));
  }
}
