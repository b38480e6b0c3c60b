import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { untilInterrupted } from '../../cli/cancellation.ts';
import { destinationFlag } from '../../cli/flags.ts';
import type { SubmitResult } from '../../core/jobs/submit.ts';
import { renderSubmitted } from '../../ui/jobs.ts';

export default class JobSubmit extends BaseCommand<SubmitResult> {
  static override summary = 'Queue encodes for `mpegflow worker` to run.';
  static override description = `Each source is a local file or ALIAS/BUCKET/KEY; with --recursive a folder or prefix submits one job per media file under it. A source version (file size+mtime, or object ETag/version) with the same preset and destination that is already queued, running or done is skipped, so a cron job can submit the same prefix every ten minutes and only new material is queued.

Outputs go beside each source by default. With --to and one source they go into --to itself; with several, into one folder per source under --to.

With --route auto, the routing rules (\`mpegflow route list\`) decide presets and destinations: each source gets the jobs of the rule that applies to it, possibly several on several stores. A source's customer and class come from --customer/--class, else its user metadata (x-amz-meta-mpegflow-customer, x-amz-meta-mpegflow-class), else its tags (mpegflow-customer, mpegflow-class). A source no rule applies to is refused, naming the closest rules, and nothing is queued. --route NAME applies that one rule to every source. Destination buckets of retained outputs must have Object Lock (checked before anything is queued).`;
  static override examples = [
    '<%= config.bin %> job submit central/masters/2026/ --recursive --preset archive-ffv1 --to archive/ffv1/2026/',
    '<%= config.bin %> job submit ./incoming/clip.mov --preset mp4-h264 --to central/web/clip/ --priority 10',
    '<%= config.bin %> job submit central/masters/2026/ --recursive --route auto',
    '<%= config.bin %> job submit central/masters/ep1.mxf --route auto --customer acme --class news',
  ];
  static override audited = true;
  static override strict = false;
  static override args = { source: Args.string({ description: 'local file/folder or ALIAS/BUCKET/KEY (repeatable)', required: true }) };
  static override flags = {
    preset: Flags.string({
      char: 'p',
      description: 'preset name (see `mpegflow preset list`)',
      default: 'hls-h264',
      exclusive: ['preset-file', 'route'],
    }),
    'preset-file': Flags.string({ description: 'use the preset defined in this JSON file', exclusive: ['route'] }),
    to: destinationFlag('destination: a local folder or ALIAS/BUCKET/PREFIX/', { exclusive: ['route'] }),
    route: Flags.string({ description: '`auto`: presets and destinations from the routing rules; or the name of one rule' }),
    customer: Flags.string({ description: 'who the encode is for (else read from the object metadata or tags)' }),
    class: Flags.string({ description: 'the class of material, e.g. news, archive (else read from the object)' }),
    recursive: Flags.boolean({ char: 'r', description: 'submit every media file under a folder or prefix' }),
    priority: Flags.integer({ description: 'higher runs first', default: 0 }),
    'max-attempts': Flags.integer({ description: 'attempts before a job fails on transient errors', default: 3, min: 1, max: 20 }),
  };

  protected async execute(): Promise<SubmitResult> {
    const { argv, flags } = await this.parse(JobSubmit);
    const db = await this.store();
    const { submitRequested } = await import('../../core/jobs/submit-request.ts');
    return submitRequested(
      {
        inputs: argv as string[],
        recursive: flags.recursive,
        preset: flags.preset,
        presetFile: flags['preset-file'],
        to: flags.to,
        route: flags.route,
        customer: flags.customer,
        class: flags.class,
        priority: flags.priority,
        maxAttempts: flags['max-attempts'],
      },
      { db, audit: () => this.auditContext(), onNote: (m) => this.note(m), interruptible: untilInterrupted },
    );
  }

  protected override renderHuman(result: SubmitResult): void {
    this.log(renderSubmitted(result));
  }
}
