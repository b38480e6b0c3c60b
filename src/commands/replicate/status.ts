import { Args, Flags } from '@oclif/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { BaseCommand } from '../../cli/base-command.ts';
import { userError } from '../../core/errors.ts';
import { STATUS_EXIT_CODE, worstStatus, type HealthStatus } from '../../core/health/quorum.ts';
import type { RuleStatus } from '../../core/replication/status.ts';
import { formatBytes } from '../../ui/format.ts';
import { renderTable } from '../../ui/table.ts';

export interface ReplicateStatusResult {
  status: HealthStatus;
  rules: RuleStatus[];
}

export default class ReplicateStatus extends BaseCommand<ReplicateStatusResult> {
  static override summary = 'Replication state per rule, with monitoring exit codes.';
  static override description = `For each rule MpegFlow set up (all, or those of one EDGE/BUCKET): whether MinIO still has it, whether the central endpoint answers, and the edge objects replicated, pending and failed (counts and bytes, from each object's replication status), with the age of the oldest waiting object.

Exit codes: 0 OK; 1 WARNING (a backlog, or the central endpoint offline); 2 CRITICAL (objects failed, or the rule is gone from the server); 3 UNKNOWN (the edge cannot be read).`;
  static override examples = [
    '<%= config.bin %> replicate status',
    '<%= config.bin %> replicate status edge1/ingest --json',
    '<%= config.bin %> replicate status --watch',
  ];
  static override monitoring = true;
  static override args = { edge: Args.string({ description: 'EDGE/BUCKET (default: every rule MpegFlow set up)' }) };
  static override flags = {
    watch: Flags.boolean({ description: 'refresh in place every few seconds (on a terminal) until Ctrl-C' }),
    interval: Flags.integer({ description: 'seconds between refreshes with --watch', default: 5, min: 1 }),
  };

  protected async execute(): Promise<ReplicateStatusResult> {
    const { args, flags } = await this.parse(ReplicateStatus);
    const db = await this.store();
    const { storageResolver } = await import('../../core/endpoints/storage.ts');
    const { resolveEndpoint } = await import('../../core/endpoints/repository.ts');
    const { parseBucketRef } = await import('../../core/replication/model.ts');
    const { replicationRecords } = await import('../../core/replication/records.ts');
    const { ruleStatus } = await import('../../core/replication/status.ts');
    const storage = await storageResolver(db);
    const ref = args.edge ? parseBucketRef(args.edge, storage.isAlias) : undefined;
    const records = await replicationRecords(db, { edge: ref?.endpoint, edgeBucket: ref?.bucket });
    if (records.length === 0)
      throw userError(
        `no replication set up by MpegFlow${args.edge ? ` for ${args.edge}` : ''}`,
        'set one up with `mpegflow replicate setup EDGE/BUCKET CENTRAL/BUCKET`; `mpegflow replicate list` shows rules made elsewhere',
        'NO_REPLICATION',
      );
    const check = async (): Promise<ReplicateStatusResult> => {
      const rules = await Promise.all(records.map((r) => ruleStatus(r, { resolve: (n) => resolveEndpoint(db, n), s3For: storage.s3For })));
      return { status: worstStatus(rules.map((r) => r.status)), rules };
    };
    if (!flags.watch || this.jsonEnabled() || !process.stdout.isTTY) return check();
    for (;;) {
      const result = await check();
      process.stdout.write('\x1b[2J\x1b[H');
      this.renderHuman(result);
      this.log(`\n${new Date().toISOString()}  refreshing every ${flags.interval}s, Ctrl-C to stop`);
      await sleep(flags.interval * 1000);
    }
  }

  protected override exitCodeFor(result: ReplicateStatusResult): number {
    return STATUS_EXIT_CODE[result.status];
  }

  protected override renderHuman(result: ReplicateStatusResult): void {
    this.log(
      renderTable(
        ['EDGE', 'CENTRAL', 'STATUS', 'TARGET', 'REPLICATED', 'PENDING', 'FAILED', 'OLDEST WAITING'],
        result.rules.map((r) => [
          `${r.edge}/${r.edgeBucket}`,
          `${r.central}/${r.centralBucket}`,
          r.status,
          r.targetOnline === null ? '?' : r.targetOnline ? 'online' : 'OFFLINE',
          `${r.counts.replicated} (${formatBytes(r.bytes.replicated)})`,
          `${r.counts.pending} (${formatBytes(r.bytes.pending)})`,
          `${r.counts.failed} (${formatBytes(r.bytes.failed)})`,
          r.oldestPendingSeconds === null ? '-' : `${r.oldestPendingSeconds}s`,
        ]),
      ),
    );
    for (const r of result.rules.filter((x) => x.status !== 'OK'))
      this.log(`${r.edge}/${r.edgeBucket} -> ${r.central}/${r.centralBucket}: ${r.summary}`);
    this.log(`Overall: ${result.status}`);
  }
}
