import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.ts';
import { untilInterrupted } from '../cli/cancellation.ts';
import type { WorkerResult } from '../core/jobs/worker.ts';
import { renderWorkerRun } from '../ui/jobs.ts';

export default class Worker extends BaseCommand<WorkerResult> {
  static override summary = 'Run queued encodes: from cron with --drain, or as a long-running service.';
  static override description = `Claims jobs with a lease that a heartbeat renews, so several workers (overlapping cron runs on one host, or hosts of an encoder pool sharing one PostgreSQL database, MPEGFLOW_DATABASE_URL; a SQLite state file is for one host) never encode the same job twice. A job whose worker died is taken over when its lease runs out; a finished encode whose manifest is already in place is not redone. Storage and network failures are retried with back-off; bad media fails at once with the cause (\`mpegflow job show ID\`).

SIGTERM or Ctrl-C stops ffmpeg, aborts unfinished uploads and hands the running jobs back to the queue.`;
  static override examples = [
    '*/10 * * * * mpegflow worker --drain --max-jobs 20 >> /var/log/mpegflow-worker.log 2>&1',
    '<%= config.bin %> worker --concurrency 2',
  ];
  static override audited = true;
  static override flags = {
    concurrency: Flags.integer({ char: 'c', description: 'encodes at once (capped by the license)', default: 1, min: 1, max: 64 }),
    drain: Flags.boolean({ description: 'exit when no job is ready instead of waiting for more' }),
    'max-jobs': Flags.integer({ description: 'exit after starting this many jobs', min: 1 }),
    'lease-seconds': Flags.integer({ description: 'how long a claimed job stays ours without a heartbeat', default: 60, min: 2 }),
    'poll-seconds': Flags.integer({ description: 'how often to look for new jobs when idle', default: 5, min: 1 }),
    'backoff-seconds': Flags.integer({
      description: 'first wait before retrying a job after a storage or network failure; doubles each attempt',
      default: 30,
      min: 0,
    }),
    'work-dir': Flags.string({
      description:
        'scratch folder for outputs before they are stored (default: a hidden folder inside a local destination, else the temp folder)',
    }),
  };

  protected async execute(): Promise<WorkerResult> {
    const { flags } = await this.parse(Worker);
    const db = await this.store();
    const { loadEntitlements, requireCapability } = await import('../core/license/entitlements.ts');
    const entitlements = await loadEntitlements({ db });
    requireCapability(entitlements, 'encode');
    const poolLimit = entitlements.limits.concurrentEncodes;
    const concurrency = Math.min(flags.concurrency, poolLimit);
    if (concurrency < flags.concurrency) {
      this.note(
        `running ${concurrency} encode(s) at once, not ${flags.concurrency}: the ${entitlements.mode === 'community' ? 'community mode' : 'license'} allows ${entitlements.limits.concurrentEncodes} (see \`mpegflow license show\`)`,
      );
    }
    const { storageResolver } = await import('../core/endpoints/storage.ts');
    const storage = await storageResolver(db);
    const { usableEndpoints } = await import('../core/endpoints/repository.ts');
    const { mpegflowVersion } = await import('../core/encode/outputs/manifest.ts');
    const { runWorker } = await import('../core/jobs/worker.ts');
    const { runEncodeJob, classifyEncodeFailure } = await import('../core/jobs/encode-job.ts');
    const { createPlainProgress } = await import('../ui/encode-progress.ts');
    const quiet = this.jsonEnabled() && !this.argv.includes('--verbose');
    const say = (line: string) => {
      if (!quiet) process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    };

    const result = await untilInterrupted(
      async (signal) =>
        runWorker({
          db,
          concurrency,
          drain: flags.drain,
          maxJobs: flags['max-jobs'],
          leaseMs: flags['lease-seconds'] * 1000,
          pollMs: flags['poll-seconds'] * 1000,
          backoffBaseMs: flags['backoff-seconds'] * 1000,
          signal,
          endpoints: await usableEndpoints(db),
          poolLimit,
          audit: await this.auditContext(),
          version: mpegflowVersion(),
          classify: classifyEncodeFailure,
          execute: (job, context) =>
            runEncodeJob(job, context, {
              ...storage,
              workDir: flags['work-dir'],
              maxOutputLines: entitlements.limits.maxResolution,
              onProgress: (j, ctx) =>
                createPlainProgress((line) => {
                  const text = line.replace(/\n$/, '').replace(/^\S+ /, '');
                  ctx.log(text);
                  say(`job ${j.id}: ${text}`);
                }).listener,
            }),
          onEvent: (event) => {
            if (event.type === 'claimed')
              say(`job ${event.job.id}: claimed (attempt ${event.job.attempts}) ${event.job.source} -> ${event.job.destination}`);
            else if (event.type === 'finished') say(`job ${event.job.id}: ${event.state}${event.error ? `: ${event.error}` : ''}`);
            else if (event.type === 'lease-lost') say(`job ${event.job.id}: another worker took it over; its outputs were discarded`);
            else if (event.type === 'store-unavailable')
              say(`the state store is unreachable (${event.error}); running encodes go on, retrying`);
            else say(`the state store answers again (after ${Math.round(event.downMs / 1000)} s)`);
          },
        }),
      (signal) => say(`${signal}: stopping; running jobs go back to the queue`),
    );
    // the entry says which jobs this run took and how each ended (the first 1000 of a long-lived worker's)
    await (
      await this.auditContext()
    ).record(db, {
      target: `worker ${result.worker}`,
      outcome: this.exitCodeFor(result) === 0 ? 'success' : 'failure',
      exitCode: this.exitCodeFor(result),
      detail: {
        jobs: result.jobs.slice(0, 1000).map((j) => `${j.id} ${j.state}`),
        jobCount: result.jobs.length,
        stoppedBy: result.stoppedBy,
      },
    });
    return result;
  }

  protected override exitCodeFor(result: WorkerResult): number {
    return result.jobs.some((j) => j.state === 'failed') ? 1 : 0;
  }

  protected override renderHuman(result: WorkerResult): void {
    this.log(renderWorkerRun(result));
  }
}
