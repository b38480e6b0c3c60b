import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { idArg } from '../../cli/flags.ts';
import type { JobDetail } from '../../core/jobs/model.ts';
import { renderJobDetail } from '../../ui/jobs.ts';

export default class JobShow extends BaseCommand<JobDetail> {
  static override summary = 'Show a job: attempts, the tail of its log, its outputs.';
  static override examples = ['<%= config.bin %> job show 12', '<%= config.bin %> job show 12 --log-lines 100'];
  static override args = { id: idArg('job', 'job list', 'job id') };
  static override flags = { 'log-lines': Flags.integer({ description: 'lines of log to show', default: 20, min: 0, max: 200 }) };

  protected async execute(): Promise<JobDetail> {
    const { args, flags } = await this.parse(JobShow);
    const { getJob } = await import('../../core/jobs/queue.ts');
    return await getJob(await this.store(), args.id, flags['log-lines']);
  }

  protected override renderHuman(job: JobDetail): void {
    this.log(renderJobDetail(job));
  }
}
