import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.ts';
import { untilInterrupted } from '../cli/cancellation.ts';
import { workerExitCode } from '../core/jobs/worker-exit.ts';
import type { Job } from '../core/jobs/model.ts';
import type { JobContext, WorkerEvent, WorkerResult } from '../core/jobs/worker.ts';
import { brokerConnection, brokerFlags } from '../cli/broker-connection.ts';
import { concurrencyLoweredNote, renderWorkerRun, workerEventLine } from '../ui/jobs.ts';

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
    broker: Flags.string({
      description: 'work through this broker (https://HOST:PORT): no database and no storage key on this host, grants scoped to each job',
      env: 'MPEGFLOW_BROKER_URL',
    }),
    ...brokerFlags,
  };

  #brokered = false;

  protected override auditsHere(): boolean {
    return !this.#brokered && super.auditsHere();
  }

  protected async execute(): Promise<WorkerResult> {
    const { flags } = await this.parse(Worker);
    const { createPlainProgress } = await import('../ui/encode-progress.ts');
    const quiet = this.jsonEnabled() && !this.argv.includes('--verbose');
    const say = (line: string) => {
      if (!quiet) process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    };
    const request = {
      concurrency: flags.concurrency,
      drain: flags.drain,
      maxJobs: flags['max-jobs'],
      leaseSeconds: flags['lease-seconds'],
      pollSeconds: flags['poll-seconds'],
      backoffSeconds: flags['backoff-seconds'],
      workDir: flags['work-dir'],
    };
    const reporting = {
      onProgress: (j: Job, ctx: JobContext) =>
        createPlainProgress((line) => {
          const text = line.replace(/\n$/, '').replace(/^\S+ /, '');
          ctx.log(text);
          say(`job ${j.id}: ${text}`);
        }).listener,
      onEvent: (event: WorkerEvent) => say(workerEventLine(event)),
      interruptible: <R>(work: (signal: AbortSignal) => Promise<R>) =>
        untilInterrupted(work, (signal) => say(`${signal}: stopping; running jobs go back to the queue`)),
    };
    if (flags.broker) {
      // no state, no audit entry, no key on this host: the broker holds them all
      this.#brokered = true;
      const { BrokerClient } = await import('../core/broker/client.ts');
      const { runBrokeredWorker } = await import('../core/broker/brokered-worker.ts');
      const broker = new BrokerClient(brokerConnection(flags.broker, flags));
      try {
        return await runBrokeredWorker(request, { ...reporting, broker });
      } finally {
        broker.close();
      }
    }
    const { runEncodeWorker } = await import('../core/jobs/encode-worker.ts');
    return runEncodeWorker(request, {
      ...reporting,
      db: await this.store(),
      audit: await this.auditContext(),
      onConcurrencyLowered: (asked, allowed) => this.note(concurrencyLoweredNote(asked, allowed)),
    });
  }

  protected override exitCodeFor(result: WorkerResult): number {
    return workerExitCode(result);
  }

  protected override renderHuman(result: WorkerResult): void {
    this.log(renderWorkerRun(result));
  }
}
