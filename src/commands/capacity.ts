import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.ts';
import { spanFlag } from '../cli/flags.ts';
import { userError } from '../core/errors.ts';
import type { CapacityReport } from '../core/health/capacity-report.ts';
import { renderCapacityReport } from '../ui/health.ts';

export default class Capacity extends BaseCommand<CapacityReport> {
  static override summary = 'Raw and usable (after parity) capacity, usage, and when it will be full.';
  static override description =
    'The forecast fits a line through the usage stored by earlier `mpegflow health` and `mpegflow capacity` runs (last 90 days) and says when the usable space runs out at that rate; with fewer than 3 samples over a day it says there is too little history.';
  static override examples = ['<%= config.bin %> capacity archive', '<%= config.bin %> capacity archive --json'];
  static override args = { name: Args.string({ description: 'endpoint name (default: the only configured endpoint)' }) };
  static override flags = { timeout: spanFlag({ description: 'how long to wait for the deployment', default: '15s' }) };

  protected async execute(): Promise<CapacityReport> {
    const { args, flags } = await this.parse(Capacity);
    const db = await this.store();
    const { listEndpoints, resolveEndpoint } = await import('../core/endpoints/repository.ts');
    let name = args.name;
    if (!name) {
      const all = await listEndpoints(db);
      if (all.length !== 1)
        throw userError(
          all.length === 0 ? 'no endpoints are configured' : 'several endpoints are configured',
          'name the endpoint: mpegflow capacity NAME',
          'ENDPOINT_REQUIRED',
        );
      name = all[0]!.name;
    }
    const { collectSnapshot } = await import('../core/health/collect.ts');
    const { assessHealth } = await import('../core/health/assess.ts');
    const { capacityReport } = await import('../core/health/capacity-report.ts');
    const now = new Date();
    const snapshot = await collectSnapshot({ endpoint: await resolveEndpoint(db, name), timeoutMs: flags.timeout * 1000 });
    return await capacityReport(db, assessHealth(name, snapshot, now), now);
  }

  protected override renderHuman(report: CapacityReport): void {
    this.log(renderCapacityReport(report));
  }
}
