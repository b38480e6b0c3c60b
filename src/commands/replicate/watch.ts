import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { spanFlag } from '../../cli/flags.ts';
import { refreshUntilStopped } from '../../cli/refresh.ts';
import { usageError } from '../../core/errors.ts';
import { STATUS_EXIT_CODE, worstStatus, type HealthStatus } from '../../core/health/quorum.ts';
import type { LagSample, LagWatch } from '../../core/replication/watch.ts';
import { formatSpan } from '../../core/time-span.ts';
import { refreshFrame, renderLagSamples } from '../../ui/replication.ts';

export interface ReplicateWatchResult {
  status: HealthStatus;
  thresholds: { warnSeconds: number; critSeconds: number };
  samples: LagSample[];
}

export default class ReplicateWatch extends BaseCommand<ReplicateWatchResult> {
  static override summary = 'RPO watchdog: replication lag measured with canaries, against thresholds.';
  static override description = `Writes a small canary object on the edge, times it until central holds it, then removes it; a canary that has not arrived stays outstanding, so while replication is stalled the lag keeps growing round after round. Each round also reads the edge's replication queue (backlog objects and bytes), recent failures and whether central answers.

With --once: one measurement (waiting up to --crit for the canary), then exit 0 OK, 1 WARNING (lag at --warn or more, recent failures, central offline), 2 CRITICAL (lag at --crit or more), 3 UNKNOWN (the edge cannot be read). Without it: a round every --interval until Ctrl-C or SIGTERM, refreshing on a terminal and printing timestamped rounds otherwise; --json prints the last round when stopped.

--textfile writes the metrics for node_exporter's textfile collector each round (atomically): mpegflow_replication_lag_seconds, _backlog_objects, _backlog_bytes, _failed_last_hour, _target_online and _status, labelled by edge and central.`;
  static override examples = [
    '<%= config.bin %> replicate watch edge1/ingest --warn 2m --crit 10m --once',
    '<%= config.bin %> replicate watch edge1/ingest --warn 2m --crit 10m --textfile /var/lib/node_exporter/textfile/mpegflow_replication.prom',
  ];
  static override monitoring = 'REPLICATION';
  static override args = { edge: Args.string({ description: 'EDGE/BUCKET', required: true }) };
  static override flags = {
    warn: spanFlag({ description: 'WARNING at this lag', default: '2m' }),
    crit: spanFlag({ description: 'CRITICAL at this lag', default: '10m' }),
    once: Flags.boolean({ description: 'measure once and exit with the status (for cron or a monitoring agent)' }),
    interval: spanFlag({ description: 'time between rounds when watching continuously', default: '15s' }),
    textfile: Flags.string({ description: 'write Prometheus metrics to this file each round (node_exporter textfile collector)' }),
  };

  protected async execute(): Promise<ReplicateWatchResult> {
    const { args, flags } = await this.parse(ReplicateWatch);
    const thresholds = { warnSeconds: flags.warn, critSeconds: flags.crit };
    if (thresholds.critSeconds < thresholds.warnSeconds)
      throw usageError(
        `--crit ${formatSpan(flags.crit)} is shorter than --warn ${formatSpan(flags.warn)}`,
        'give a critical lag at least as long as the warning lag',
      );
    const intervalMs = flags.interval * 1000;
    const db = await this.store();
    const { storageResolver } = await import('../../core/endpoints/storage.ts');
    const { resolveSides } = await import('../../core/replication/sides.ts');
    const { findRecords } = await import('../../core/replication/lookup.ts');
    const { LagWatch } = await import('../../core/replication/watch.ts');
    const storage = await storageResolver(db);
    const records = await findRecords(db, storage, { edge: args.edge });
    const watches: LagWatch[] = [];
    for (const record of records) watches.push(new LagWatch(record, await resolveSides(db, storage, record), thresholds));
    const round = async (waitMs: number): Promise<ReplicateWatchResult> => {
      const samples = await Promise.all(watches.map((w) => w.round(waitMs)));
      const result = { status: worstStatus(samples.map((s) => s.status)), thresholds, samples };
      if (flags.textfile) await this.writeTextfile(flags.textfile, samples);
      return result;
    };
    try {
      if (flags.once) return await round(thresholds.critSeconds * 1000);
      return await refreshUntilStopped(
        () => round(intervalMs),
        intervalMs,
        (last) => this.jsonEnabled() || process.stdout.write(refreshFrame(renderLagSamples(last.samples))),
      );
    } finally {
      await Promise.all(watches.map((w) => w.close()));
    }
  }

  private async writeTextfile(file: string, samples: LagSample[]): Promise<void> {
    const { writeTextfileAtomically } = await import('../../core/textfile.ts');
    const { renderReplicationTextfile } = await import('../../core/replication/textfile.ts');
    writeTextfileAtomically(file, renderReplicationTextfile(samples));
  }

  protected override exitCodeFor(result: ReplicateWatchResult): number {
    return STATUS_EXIT_CODE[result.status];
  }

  protected override renderHuman(result: ReplicateWatchResult): void {
    this.log(`${renderLagSamples(result.samples)}\nOverall: ${result.status}`);
  }
}
