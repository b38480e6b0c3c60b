import { BaseCommand } from '../../cli/base-command.ts';
import { idArg } from '../../cli/flags.ts';
import type { Job } from '../../core/jobs/model.ts';
import { renderCancelled } from '../../ui/jobs.ts';

export default class JobCancel extends BaseCommand<Job> {
  static override summary = 'Cancel a job.';
  static override description =
    'A queued job is cancelled at once. A running job is flagged: its worker stops ffmpeg and its children at the next heartbeat (within seconds), aborts unfinished uploads and writes no manifest.';
  static override examples = ['<%= config.bin %> job cancel 12'];
  static override audited = true;
  static override args = { id: idArg('job', 'job list', 'job id') };

  protected async execute(): Promise<Job> {
    const { args } = await this.parse(JobCancel);
    const { cancelJob } = await import('../../core/jobs/queue.ts');
    return await cancelJob({ db: await this.store(), audit: await this.auditContext(), id: args.id });
  }

  protected override renderHuman(job: Job): void {
    this.log(renderCancelled(job));
  }
}
