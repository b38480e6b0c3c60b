import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { destinationFlag } from '../../cli/flags.ts';
import type { SubmitResult } from '../../core/jobs/queue.ts';
import { renderTable } from '../../ui/table.ts';

export default class JobSubmit extends BaseCommand<SubmitResult> {
  static override summary = 'Queue encodes for `mpegflow worker` to run.';
  static override description = `Each source is a local file or ALIAS/BUCKET/KEY; with --recursive a folder or prefix submits one job per media file under it. A source version (file size+mtime, or object ETag/version) with the same preset and destination that is already queued, running or done is skipped, so a cron job can submit the same prefix every ten minutes and only new material is queued.

Outputs go beside each source by default. With --to and one source they go into --to itself; with several, into one folder per source under --to.`;
  static override examples = [
    '<%= config.bin %> job submit central/masters/2026/ --recursive --preset archive-ffv1 --to archive/ffv1/2026/',
    '<%= config.bin %> job submit ./incoming/clip.mov --preset mp4-h264 --to central/web/clip/ --priority 10',
  ];
  static override audited = true;
  static override strict = false;
  static override args = { source: Args.string({ description: 'local file/folder or ALIAS/BUCKET/KEY (repeatable)', required: true }) };
  static override flags = {
    preset: Flags.string({
      char: 'p',
      description: 'preset name (see `mpegflow preset list`)',
      default: 'hls-h264',
      exclusive: ['preset-file'],
    }),
    'preset-file': Flags.string({ description: 'use the preset defined in this JSON file' }),
    to: destinationFlag('destination: a local folder or ALIAS/BUCKET/PREFIX/'),
    recursive: Flags.boolean({ char: 'r', description: 'submit every media file under a folder or prefix' }),
    priority: Flags.integer({ description: 'higher runs first', default: 0 }),
    'max-attempts': Flags.integer({ description: 'attempts before a job fails on transient errors', default: 3, min: 1, max: 20 }),
  };

  protected async execute(): Promise<SubmitResult> {
    const { argv, flags } = await this.parse(JobSubmit);
    const inputs = argv as string[];
    const db = await this.store();
    const { resolvePreset } = await import('../../core/encode/presets.ts');
    const preset = resolvePreset({ name: flags.preset, file: flags['preset-file'] });
    const { storageResolver } = await import('../../core/endpoints/storage.ts');
    const storage = await storageResolver(db);
    const { parseObjectPath } = await import('../../core/endpoints/object-path.ts');
    const { destinationFrom } = await import('../../core/encode/locations.ts');
    const to = flags.to !== undefined ? destinationFrom(parseObjectPath(flags.to, storage.isAlias)) : null;
    const { expandSources } = await import('../../core/jobs/sources.ts');
    const sources = await expandSources({ inputs, recursive: flags.recursive, isAlias: storage.isAlias, s3For: storage.s3For });
    const { jobSpecs } = await import('../../core/jobs/plan-submit.ts');
    const single = inputs.length === 1 && sources.length === 1 && !flags.recursive;
    const { submitJobs } = await import('../../core/jobs/queue.ts');
    return await submitJobs({
      db,
      audit: await this.auditContext(),
      specs: jobSpecs(sources, preset, to, flags.priority, single),
      maxAttempts: flags['max-attempts'],
    });
  }

  protected override renderHuman({ submitted, skipped }: SubmitResult): void {
    if (submitted.length > 0)
      this.log(
        renderTable(
          ['JOB', 'SOURCE', 'PRESET', 'DESTINATION', 'PRIORITY'],
          submitted.map((j) => [j.id, j.source, j.preset, j.destination, j.priority]),
        ),
      );
    this.log(
      `${submitted.length} job${submitted.length === 1 ? '' : 's'} queued, ${skipped.length} skipped (already queued, running or done).`,
    );
    if (submitted.length > 0) this.log('Run them with: mpegflow worker --drain');
  }
}
