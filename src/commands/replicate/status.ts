import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { spanFlag } from '../../cli/flags.ts';
import { refreshUntilStopped } from '../../cli/refresh.ts';
import { STATUS_EXIT_CODE, worstStatus, type HealthStatus } from '../../core/health/quorum.ts';
import type { RuleStatus } from '../../core/replication/status.ts';
import { formatSpan } from '../../core/time-span.ts';
import { refreshFrame, renderStatus } from '../../ui/replication.ts';

export interface ReplicateStatusResult {
  status: HealthStatus;
  rules: RuleStatus[];
}

export default class ReplicateStatus extends BaseCommand<ReplicateStatusResult> {
  static override summary = 'Replication state per rule, with monitoring exit codes.';
  static override description = `For each rule MpegFlow set up (all, or those of one EDGE/BUCKET): whether MinIO still has the rule and its remote target, whether the central endpoint answers, and what is replicated, queued and failing, from the edge's replication metrics (what \`mc replicate status\` shows: a few requests whatever the bucket holds; MinIO counts from the edge's last start).

--deep walks every object instead (streaming, in constant memory) and counts each object's replication state: replicated, pending and failed objects with their bytes, the age of the oldest waiting object, and the oldest waiting and failed keys (--keep of each).

Exit codes: 0 OK; 1 WARNING (a backlog, the central endpoint offline, failures earlier in the hour); 2 CRITICAL (failures in the last minute or while central is offline, objects marked failed with --deep, or the rule gone from the server); 3 UNKNOWN (the edge cannot be read).`;
  static override examples = [
    '<%= config.bin %> replicate status',
    '<%= config.bin %> replicate status edge1/ingest --json',
    '<%= config.bin %> replicate status edge1/ingest --deep --keep 20',
    '<%= config.bin %> replicate status --watch',
  ];
  static override monitoring = 'REPLICATION';
  static override args = { edge: Args.string({ description: 'EDGE/BUCKET (default: every rule MpegFlow set up)' }) };
  static override flags = {
    deep: Flags.boolean({ description: "walk every object and count each one's replication state (slow on large buckets)" }),
    keep: Flags.integer({ description: 'with --deep: how many of the oldest waiting and failed keys to name', default: 10, min: 1 }),
    watch: Flags.boolean({ description: 'refresh in place every few seconds (on a terminal) until Ctrl-C' }),
    interval: spanFlag({ description: 'time between refreshes with --watch', default: '5s' }),
  };

  protected async execute(): Promise<ReplicateStatusResult> {
    const { args, flags } = await this.parse(ReplicateStatus);
    const db = await this.store();
    const { storageResolver } = await import('../../core/endpoints/storage.ts');
    const { resolveEndpoint } = await import('../../core/endpoints/repository.ts');
    const { findRecords } = await import('../../core/replication/lookup.ts');
    const { replicationStatus } = await import('../../core/replication/status.ts');
    const storage = await storageResolver(db);
    const records = await findRecords(db, storage, { edge: args.edge });
    const deps = {
      resolve: (n: string) => resolveEndpoint(db, n),
      s3For: storage.s3For,
      ...(flags.deep ? { deep: { keep: flags.keep } } : {}),
    };
    const check = async (): Promise<ReplicateStatusResult> => {
      const rules = await replicationStatus(records, deps);
      return { status: worstStatus(rules.map((r) => r.status)), rules };
    };
    if (!flags.watch || this.jsonEnabled() || !process.stdout.isTTY) return check();
    const footer = `refreshing every ${formatSpan(flags.interval)}, Ctrl-C to stop`;
    return refreshUntilStopped(check, flags.interval * 1000, (result) =>
      process.stdout.write(refreshFrame(`${renderStatus(result, true)}\n\n${new Date().toISOString()}  ${footer}`, true)),
    );
  }

  protected override exitCodeFor(result: ReplicateStatusResult): number {
    return STATUS_EXIT_CODE[result.status];
  }

  protected override renderHuman(result: ReplicateStatusResult): void {
    this.log(renderStatus(result));
  }
}
