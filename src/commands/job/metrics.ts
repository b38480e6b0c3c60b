import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { spanFlag } from '../../cli/flags.ts';
import type { QueueMetrics } from '../../core/jobs/queue-metrics.ts';
import { renderQueueMetrics } from '../../ui/pool.ts';

export default class JobMetrics extends BaseCommand<QueueMetrics> {
  static override summary =
    "The queue's figures for monitoring: jobs by state, the oldest queued, the last hour's outcomes, workers' heartbeats.";
  static override description = `--textfile writes them for node_exporter's textfile collector (atomically): mpegflow_jobs (by state), mpegflow_queue_oldest_job_age_seconds, mpegflow_job_attempts_last_hour (by outcome: done, failed, lost), mpegflow_worker_up and mpegflow_worker_heartbeat_age_seconds (by worker and host). Run it from a timer (the package's mpegflow-queue-metrics.timer) on one host of the pool: every host reads the same queue.`;
  static override examples = [
    '<%= config.bin %> job metrics',
    '<%= config.bin %> job metrics --textfile /var/lib/mpegflow-metrics/queue.prom',
  ];
  static override flags = {
    textfile: Flags.string({ description: 'also write the figures to this node_exporter textfile-collector file (atomically)' }),
    'dead-after': spanFlag({
      description: "time without a heartbeat before a worker counts as dead (at least two of the worker's beats)",
      default: '2m',
    }),
  };

  protected async execute(): Promise<QueueMetrics> {
    const { flags } = await this.parse(JobMetrics);
    const { queueMetrics } = await import('../../core/jobs/queue-metrics.ts');
    const metrics = await queueMetrics(await this.store(), { deadAfterMs: flags['dead-after'] * 1000 });
    if (flags.textfile) {
      const [{ renderQueueTextfile }, { writeTextfileAtomically }] = await Promise.all([
        import('../../core/jobs/queue-textfile.ts'),
        import('../../core/textfile.ts'),
      ]);
      writeTextfileAtomically(flags.textfile, renderQueueTextfile(metrics));
    }
    return metrics;
  }

  protected override renderHuman(metrics: QueueMetrics): void {
    this.log(renderQueueMetrics(metrics));
  }
}
