import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { idArg } from '../../cli/flags.ts';
import type { JobDetail } from '../../core/jobs/model.ts';
import { formatRetention } from '../../core/routing/model.ts';
import { renderFields, renderTable } from '../../ui/table.ts';

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
    this.log(
      renderFields([
        ['Job', job.id],
        ['State', job.cancelRequested && job.state === 'running' ? 'running (cancel requested)' : job.state],
        ['Source', job.source],
        ['Preset', job.presetFile ? `${job.preset} (${job.presetFile})` : job.preset],
        ['Destination', job.destination],
        ['Customer', job.customer],
        ['Class', job.class],
        ['Route', job.route],
        ['Retention', formatRetention(job.retention ?? null)],
        ['Priority', job.priority],
        [
          'Attempts',
          `${job.attempts} (${job.attempts - job.lostLeases} of ${job.maxAttempts} allowed failures used${job.lostLeases ? `; ${job.lostLeases} lost to workers that died` : ''})`,
        ],
        ['Worker', job.leaseOwner],
        ['Waiting', job.waiting],
        ['Last error', job.lastError],
        ['Queued', job.createdAt],
        ['Started', job.startedAt],
        ['Finished', job.finishedAt],
      ]),
    );
    if (job.attemptsLog.length > 0) {
      this.log('\nAttempts:');
      this.log(
        renderTable(
          ['#', 'HOST', 'WORKER', 'STARTED', 'FINISHED', 'OUTCOME', 'ERROR'],
          job.attemptsLog.map((a) => [a.attempt, a.host, a.worker, a.startedAt, a.finishedAt, a.outcome, a.error]),
        ),
      );
    }
    const outputs = (job.result?.outputs as { name: string; size: number }[] | undefined) ?? [];
    if (outputs.length > 0) {
      this.log('\nOutputs:');
      this.log(
        renderTable(
          ['NAME', 'BYTES'],
          outputs.map((o) => [o.name, o.size]),
        ),
      );
    }
    if (job.logTail.length > 0) {
      this.log('\nLog (tail):');
      for (const line of job.logTail) this.log(`  ${line.ts}  ${line.line}`);
    }
  }
}
