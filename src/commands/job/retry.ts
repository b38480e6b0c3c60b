import { BaseCommand } from '../../cli/base-command.ts';
import { idArg } from '../../cli/flags.ts';
import type { Job } from '../../core/jobs/model.ts';
import { renderRequeued } from '../../ui/jobs.ts';

export default class JobRetry extends BaseCommand<Job> {
  static override summary = 'Queue a failed or cancelled job again, with as many fresh attempts as it was submitted with (--max-attempts).';
  static override examples = ['<%= config.bin %> job retry 12'];
  static override audited = true;
  static override args = { id: idArg('job', 'job list', 'job id') };

  protected async execute(): Promise<Job> {
    const { args } = await this.parse(JobRetry);
    const { retryJob } = await import('../../core/jobs/queue.ts');
    return await retryJob({ db: await this.store(), audit: await this.auditContext(), id: args.id });
  }

  protected override renderHuman(job: Job): void {
    this.log(renderRequeued(job));
  }
}
