import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { JOB_STATES, type Job, type JobState } from '../../core/jobs/model.ts';
import { renderJobList } from '../../ui/jobs.ts';

export interface JobListResult {
  jobs: Job[];
}

export default class JobList extends BaseCommand<JobListResult> {
  static override summary = 'List jobs, newest first.';
  static override examples = [
    '<%= config.bin %> job list',
    '<%= config.bin %> job list --state failed --json',
    '<%= config.bin %> job list --customer acme --class news',
  ];
  static override flags = {
    state: Flags.string({ description: 'only jobs in this state', options: [...JOB_STATES] }),
    customer: Flags.string({ description: 'only jobs for this customer' }),
    class: Flags.string({ description: 'only jobs of this class' }),
    limit: Flags.integer({ description: 'at most this many jobs', default: 100, min: 1 }),
  };

  protected async execute(): Promise<JobListResult> {
    const { flags } = await this.parse(JobList);
    const { listJobs } = await import('../../core/jobs/queue.ts');
    return {
      jobs: await listJobs(await this.store(), {
        state: flags.state as JobState | undefined,
        customer: flags.customer,
        class: flags.class,
        limit: flags.limit,
      }),
    };
  }

  protected override renderHuman({ jobs }: JobListResult): void {
    this.log(renderJobList(jobs));
  }
}
