import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { untilInterrupted } from '../../cli/cancellation.ts';
import { destinationFlag } from '../../cli/flags.ts';
import { MpegflowError } from '../../core/errors.ts';
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
    const inputs = argv as string[];
    const db = await this.store();
    const [{ resolvePreset }, { storageResolver }, { expandSources }, { SpecSpool }, { queueJobs, SubmitTally, withoutLiveJobs }] =
      await Promise.all([
        import('../../core/encode/presets/presets.ts'),
        import('../../core/endpoints/storage.ts'),
        import('../../core/jobs/sources.ts'),
        import('../../core/jobs/spool.ts'),
        import('../../core/jobs/submit.ts'),
      ]);
    const storage = await storageResolver(db);
    const retainedBuckets = new Set<string>();
    const tally = new SubmitTally();
    // Ctrl-C stops the listing, or rolls the queueing back, and removes the spool: nothing is queued (exit 130)
    return untilInterrupted(async (signal) => {
      const sources = expandSources({
        inputs,
        recursive: flags.recursive,
        isAlias: storage.isAlias,
        aliases: storage.aliases,
        s3For: storage.s3For,
        // routing reads each object's customer and class: from the listing where the store can say them (MinIO), not a HEAD each
        metadata: Boolean(flags.route) && (flags.customer === undefined || flags.class === undefined),
        signal,
        onNotMedia: (source) => tally.leftOut(source),
      });
      let specs;
      if (flags.route) {
        const [{ listRoutes }, { routedJobSpecs }, { hostName }] = await Promise.all([
          import('../../core/routing/repository.ts'),
          import('../../core/routing/plan.ts'),
          import('../../core/host.ts'),
        ]);
        specs = routedJobSpecs(sources, {
          routes: await listRoutes(db),
          route: flags.route,
          given: { customer: flags.customer, class: flags.class },
          s3For: storage.s3For,
          isAlias: storage.isAlias,
          aliases: storage.aliases,
          presetFor: (name) => resolvePreset({ name }),
          priority: flags.priority,
          host: hostName(),
          onRetainedBucket: (bucket) => retainedBuckets.add(bucket),
          signal,
        });
      } else {
        const [{ checkValue }, { parseObjectPath }, { destinationFrom }, { jobSpecs }] = await Promise.all([
          import('../../core/routing/template.ts'),
          import('../../core/endpoints/object-path.ts'),
          import('../../core/encode/outputs/locations.ts'),
          import('../../core/jobs/plan-submit.ts'),
        ]);
        specs = jobSpecs(sources, {
          preset: resolvePreset({ name: flags.preset, file: flags['preset-file'] }),
          to:
            flags.to !== undefined ? destinationFrom(parseObjectPath(flags.to, { ...storage, onNote: (m: string) => this.note(m) })) : null,
          priority: flags.priority,
          single: inputs.length === 1 && !flags.recursive,
          customer: flags.customer ? checkValue('customer', flags.customer) : null,
          class: flags.class ? checkValue('class', flags.class) : null,
        });
      }
      let spool;
      try {
        // the whole listing (and every routing decision) first, kept on disk: a failure there queues nothing
        spool = await SpecSpool.fill(withoutLiveJobs(db, specs, tally));
        if (retainedBuckets.size > 0) {
          const { requireObjectLock } = await import('../../core/s3/object-lock.ts');
          for (const bucket of retainedBuckets) {
            const [alias, name] = bucket.split('/') as [string, string];
            await requireObjectLock(storage.s3For(alias), alias, name);
          }
        }
        const audit = await this.auditContext();
        return await queueJobs({ db, audit, keyed: spool.read(signal), tally, maxAttempts: flags['max-attempts'] });
      } catch (error) {
        if (!signal.aborted) throw error;
        throw new MpegflowError('the submission was cancelled: nothing was queued', { code: 'CANCELLED', exitCode: 130, cause: error });
      } finally {
        spool?.remove();
      }
    });
  }

  protected override renderHuman(result: SubmitResult): void {
    this.log(renderSubmitted(result));
  }
}
