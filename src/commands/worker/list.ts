import { BaseCommand } from '../../cli/base-command.ts';
import { spanFlag } from '../../cli/flags.ts';
import type { WorkerInfo } from '../../core/jobs/workers.ts';
import { renderWorkers } from '../../ui/pool.ts';

export interface WorkerListResult {
  workers: WorkerInfo[];
}

export default class WorkerList extends BaseCommand<WorkerListResult> {
  static override summary = 'List the workers of the pool: hosts, running jobs, throughput, dead workers.';
  static override description = `A worker is alive while its heartbeat is recent, stopped when it exited cleanly, and dead when its heartbeat stopped without a goodbye (kill -9, a lost host): its jobs are taken over by others once their leases run out.`;
  static override examples = ['<%= config.bin %> worker list', '<%= config.bin %> worker list --json'];
  static override flags = {
    'dead-after': spanFlag({
      description:
        "time without a heartbeat before a worker counts as dead (at least two of the worker's beats: a quarter of its --lease-seconds each)",
      default: '2m',
    }),
  };

  protected async execute(): Promise<WorkerListResult> {
    const { flags } = await this.parse(WorkerList);
    const { listWorkers } = await import('../../core/jobs/workers.ts');
    return { workers: await listWorkers(await this.store(), { deadAfterMs: flags['dead-after'] * 1000 }) };
  }

  protected override renderHuman({ workers }: WorkerListResult): void {
    this.log(renderWorkers(workers));
  }
}
