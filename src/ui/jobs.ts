import type { Job, JobDetail } from '../core/jobs/model.ts';
import type { SubmitResult } from '../core/jobs/submit.ts';
import type { WorkerEvent, WorkerResult } from '../core/jobs/worker.ts';
import type { WorkerConcurrency } from '../core/license/encode-allowance.ts';
import { formatRetention } from './routes.ts';
import { renderFields, renderTable } from './table.ts';
import { count } from '../core/notation.ts';

/** `job list`: newest first, or how to queue the first ones. */
export function renderJobList(jobs: Job[], tty = Boolean(process.stdout.isTTY)): string {
  if (jobs.length === 0) return 'No jobs. Queue some with `mpegflow job submit SOURCE --preset NAME`.';
  return renderTable(
    ['JOB', 'STATE', 'CUSTOMER', 'CLASS', 'PRESET', 'SOURCE', 'DESTINATION', 'TRIES', 'PRIO', 'HOST', 'UPDATED'],
    jobs.map((j) => [
      j.id,
      j.cancelRequested && j.state === 'running' ? 'cancelling' : j.state,
      j.customer,
      j.class,
      j.preset,
      j.source,
      j.destination,
      triesCell(j),
      j.priority,
      j.lastHost,
      // to the second, in UTC as stored: the milliseconds say nothing in triage
      j.updatedAt.replace(/\.\d+Z$/, 'Z'),
    ]),
    tty,
    { shrink: ['SOURCE', 'DESTINATION'], drop: ['PRIO', 'CLASS', 'HOST', 'CUSTOMER', 'UPDATED'] },
  );
}

/** Tries made, and of how many, while more can come; only the count once the job has ended. */
export function triesCell(job: Job): string {
  return job.state === 'queued' || job.state === 'running' ? `${job.attempts}/${job.maxAttempts}` : String(job.attempts);
}

/** How the attempts count against the failures a job is allowed: a lost lease does not count, nor the attempt that succeeded. */
export function attemptsLine(job: Job): string {
  const lost = job.lostLeases ? `; ${job.lostLeases} lost to workers that stopped or died` : '';
  const failures = job.attempts - job.lostLeases - (job.state === 'done' ? 1 : 0);
  switch (job.state) {
    case 'done':
      return `${job.attempts} (done; ${failures} failed before${lost})`;
    case 'failed':
      return failures < job.maxAttempts
        ? `${job.attempts} (failed for good after ${failures} of ${job.maxAttempts} allowed failures: the error is not one a new try cures${lost})`
        : `${job.attempts} (failed: all ${job.maxAttempts} allowed failures used${lost})`;
    case 'cancelled':
      return `${job.attempts} (cancelled${lost})`;
    default:
      return `${job.attempts} (${failures} of ${job.maxAttempts} allowed failures used${lost})`;
  }
}

/** `job show`: the job's fields, then its attempts, outputs and the tail of its log when it has any. */
export function renderJobDetail(job: JobDetail, tty = Boolean(process.stdout.isTTY)): string {
  const blocks = [
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
      ['Attempts', attemptsLine(job)],
      ['Worker', job.leaseOwner],
      ['Waiting', job.waiting],
      ['Last error', job.lastError],
      ['Queued', job.createdAt],
      ['Started', job.startedAt],
      ['Finished', job.finishedAt],
    ]),
  ];
  if (job.attemptsLog.length > 0) {
    blocks.push(
      '\nAttempts:',
      renderTable(
        ['#', 'HOST', 'WORKER', 'STARTED', 'FINISHED', 'OUTCOME', 'ERROR'],
        // the last attempt's error is the job's, said whole above: said once
        job.attemptsLog.map((a, i) => [
          a.attempt,
          a.host,
          a.worker,
          a.startedAt,
          a.finishedAt,
          a.outcome,
          a.error && i === job.attemptsLog.length - 1 && a.error === job.lastError ? '(the last error, above)' : a.error,
        ]),
        tty,
        { shrink: ['ERROR', 'WORKER'] },
      ),
    );
  }
  const outputs = (job.result?.outputs as { name: string; size: number }[] | undefined) ?? [];
  if (outputs.length > 0) {
    blocks.push(
      '\nOutputs:',
      renderTable(
        ['NAME', 'BYTES'],
        outputs.map((o) => [o.name, o.size]),
        tty,
      ),
    );
  }
  if (job.logTail.length > 0) blocks.push('\nLog (tail):', ...job.logTail.map((line) => `  ${line.ts}  ${line.line}`));
  return blocks.join('\n');
}

/** Jobs shown in the table; the rest are summed up by their ids (a prefix can hold millions). */
const SUBMITTED_ROWS = 50;

/** `job submit`: what was queued, what was skipped, and what runs it. */
export function renderSubmitted({ submitted, counts, jobIds, notMedia }: SubmitResult, tty = Boolean(process.stdout.isTTY)): string {
  const lines: string[] = [];
  if (submitted.length > 0)
    lines.push(
      renderTable(
        ['JOB', 'SOURCE', 'CUSTOMER', 'CLASS', 'ROUTE', 'PRESET', 'DESTINATION', 'PRIORITY'],
        submitted.slice(0, SUBMITTED_ROWS).map((j) => [j.id, j.source, j.customer, j.class, j.route, j.preset, j.destination, j.priority]),
        tty,
        { shrink: ['SOURCE', 'DESTINATION'], drop: ['PRIORITY', 'CLASS', 'ROUTE', 'CUSTOMER'] },
      ),
    );
  if (counts.submitted > SUBMITTED_ROWS)
    lines.push(`… and ${counts.submitted - SUBMITTED_ROWS} more: jobs ${jobIds} (see \`mpegflow job list\`)`);
  lines.push(
    `${counts.submitted} job${counts.submitted === 1 ? '' : 's'} queued, ${counts.skipped} skipped (already queued, running or done).`,
  );
  if (counts.notMedia > 0) {
    const shown = notMedia.slice(0, 3).map((s) => s.slice(s.lastIndexOf('/') + 1));
    lines.push(
      `${count(counts.notMedia, 'file')} left out: not media by ${counts.notMedia === 1 ? 'its' : 'their'} extension (${shown.join(', ')}${counts.notMedia > shown.length ? ', ...' : ''}; \`--json\` lists them).`,
    );
  }
  if (counts.submitted > 0) lines.push('Run them with: mpegflow worker --drain');
  return lines.join('\n');
}

/** `job cancel`: a queued job is cancelled at once, a running one when its worker next looks. */
export function renderCancelled(job: Job): string {
  return job.state === 'cancelled' ? `Job ${job.id} cancelled.` : `Job ${job.id} is running: its worker will stop it within seconds.`;
}

/** `job retry`. */
export function renderRequeued(job: Job): string {
  return `Job ${job.id} queued again. Run it with: mpegflow worker --drain`;
}

/** `worker`: the jobs this run took, and why it stopped. */
export function renderWorkerRun(result: WorkerResult, tty = Boolean(process.stdout.isTTY)): string {
  if (result.jobs.length === 0) return 'No jobs were ready.';
  const counts = Object.entries(Object.groupBy(result.jobs, (j) => j.state)).map(([state, jobs]) => `${jobs!.length} ${state}`);
  // each error once, whole, under the table: in a cell it stretched every row past any terminal
  const errors = result.jobs.filter((j) => j.error).map((j) => `job ${j.id} ${j.state}: ${j.error}`);
  return [
    renderTable(
      ['JOB', 'SOURCE', 'RESULT'],
      result.jobs.map((j) => [j.id, j.source, j.state]),
      tty,
      { shrink: ['SOURCE'] },
    ),
    ...errors,
    `Worker ${result.worker}: ${counts.join(', ')} (stopped: ${result.stoppedBy}).`,
  ].join('\n');
}

/** `worker`: why it runs fewer encodes at once than asked for. */
export function concurrencyLoweredNote(asked: number, allowed: WorkerConcurrency): string {
  return `running ${allowed.concurrency} encode(s) at once, not ${asked}: the ${allowed.loweredBy} allows ${allowed.poolLimit} (see \`mpegflow license show\`)`;
}

/** `worker`: the line its log gets for an event of the run (after a timestamp). */
export function workerEventLine(event: WorkerEvent): string {
  if (event.type === 'claimed')
    return `job ${event.job.id}: claimed (attempt ${event.job.attempts}) ${event.job.source} -> ${event.job.destination}`;
  if (event.type === 'finished') return `job ${event.job.id}: ${event.state}${event.error ? `: ${event.error}` : ''}`;
  if (event.type === 'lease-lost') return `job ${event.job.id}: another worker took it over; its outputs were discarded`;
  if (event.type === 'store-unavailable') return `the state store is unreachable (${event.error}); running encodes go on, retrying`;
  return `the state store answers again (after ${Math.round(event.downMs / 1000)} s)`;
}
