import type { AuditContext } from '../audit/context.ts';
import { batches, regroup } from '../groups.ts';
import type { Db } from '../store/open.ts';
import type { SqlValue } from '../store/sql.ts';
import type { Job, JobSpec, JobState } from './model.ts';
import { DEFAULT_MAX_ATTEMPTS, JOBS_CHANNEL } from './queue.ts';
import { formatNeeds, fromRow, jobKeyOf, type JobRow } from './rows.ts';
import { count as countOf } from '../notation.ts';

/** Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits (18 per row). */
const BATCH = 500;
/** Jobs and skips listed in a result; the counts and id ranges cover every one. */
export const LISTED = 1000;

export interface SkippedSource {
  source: string;
  reason: string;
  jobId: number;
  state: JobState;
}

export interface SubmitResult {
  /** The first LISTED jobs queued, in submission order. */
  submitted: Job[];
  /** The first LISTED sources skipped because the same job is already queued, running or done. */
  skipped: SkippedSource[];
  /** The first LISTED files or objects under a submitted folder or prefix that were left out: not media by their extension. */
  notMedia: string[];
  counts: { submitted: number; skipped: number; notMedia: number };
  /** Every queued job's id, as ranges: "41-90,95". */
  jobIds: string;
}

/** Ids as ranges, built as they come (ids of one submission are mostly consecutive). */
class IdRanges {
  private readonly ranges: [number, number][] = [];

  add(id: number): void {
    const last = this.ranges.at(-1);
    if (last && id === last[1] + 1) last[1] = id;
    else this.ranges.push([id, id]);
  }

  toString(): string {
    return this.ranges.map(([from, to]) => (from === to ? String(from) : `${from}-${to}`)).join(',');
  }
}

/**
 * SQLite's planner picks the claim index (state, ...) for a long IN list and
 * then reads every live job per batch: 100k sources took 40 s. PostgreSQL
 * plans by statistics and needs no hint.
 */
const liveKeyIndex = (db: Db) => (db.dialect === 'sqlite' ? 'INDEXED BY jobs_live_key' : '');

/** The jobs already queued, running or done among these keys. */
async function liveJobs(db: Db, keys: string[]): Promise<Map<string, { id: number; state: JobState }>> {
  const rows = await db.all<Pick<JobRow, 'id' | 'state' | 'job_key'>>(
    `SELECT id, state, job_key FROM jobs ${liveKeyIndex(db)} WHERE state IN ('queued', 'running', 'done') AND job_key IN (${keys.map(() => '?').join(', ')})`,
    keys,
  );
  return new Map(rows.map((row) => [row.job_key, { id: Number(row.id), state: row.state }]));
}

const LIVE_KEY_CONFLICT = "ON CONFLICT (job_key) WHERE state IN ('queued', 'running', 'done') DO NOTHING";

/** The jobs another submission queued for these specs while this one was checking. */
async function queuedMeanwhile(db: Db, raced: KeyedSpec[]): Promise<SkippedSource[]> {
  const live = await liveJobs(
    db,
    raced.map((k) => k.jobKey),
  );
  return Promise.all(
    raced.map(async ({ spec, jobKey }) => {
      // gone from the live states already (failed or cancelled since): the newest job of that key says what became of it
      const found =
        live.get(jobKey) ??
        (await db.get<Pick<JobRow, 'id' | 'state'>>('SELECT id, state FROM jobs WHERE job_key = ? ORDER BY id DESC LIMIT 1', [jobKey]))!;
      return alreadyLive(spec, { id: Number(found.id), state: found.state });
    }),
  );
}

const COLUMNS =
  'source, source_identity, preset, preset_file, preset_hash, destination, job_key, priority, needs, state, max_attempts, attempt_budget, created_at, updated_at, customer, class, route, retention';

function rowValues({ spec, jobKey }: KeyedSpec, maxAttempts: number, ts: string): SqlValue[] {
  return [
    spec.source,
    spec.sourceIdentity,
    spec.preset,
    spec.presetFile,
    spec.presetHash,
    spec.destination,
    jobKey,
    spec.priority,
    formatNeeds(spec.needs),
    'queued',
    maxAttempts,
    maxAttempts,
    ts,
    ts,
    spec.customer ?? null,
    spec.class ?? null,
    spec.route ?? null,
    spec.retention ? JSON.stringify(spec.retention) : null,
  ];
}

export interface KeyedSpec {
  spec: JobSpec;
  jobKey: string;
}

/** What a submission has seen so far: its sources, and the ones it skipped (the first LISTED of them, and how many). */
export class SubmitTally {
  sources = 0;
  firstSource: string | undefined;
  readonly skipped: SkippedSource[] = [];
  skippedCount = 0;
  readonly notMedia: string[] = [];
  notMediaCount = 0;

  keyed(batch: JobSpec[]): KeyedSpec[] {
    this.firstSource ??= batch[0]?.source;
    this.sources += batch.length;
    return batch.map((spec) => ({ spec, jobKey: jobKeyOf(spec) }));
  }

  skip(skipped: SkippedSource): void {
    this.skippedCount++;
    if (this.skipped.length < LISTED) this.skipped.push(skipped);
  }

  /** A file or object a recursive submission left out: not media by its extension. */
  leftOut(source: string): void {
    this.notMediaCount++;
    if (this.notMedia.length < LISTED) this.notMedia.push(source);
  }
}

const alreadyLive = (spec: JobSpec, found: { id: number; state: JobState }): SkippedSource => ({
  source: spec.source,
  reason: `already ${found.state} as job ${found.id}`,
  jobId: found.id,
  state: found.state,
});

/**
 * Drops the specs whose job is already queued, running or done, a batch at a
 * time and outside any transaction, so that the lookups run while a listing
 * waits on its store. A cron re-run of an unchanged prefix ends here. What is
 * left is checked again when it is queued: another submitter may have been
 * quicker.
 */
export async function* withoutLiveJobs(db: Db, specs: AsyncIterable<JobSpec[]>, tally: SubmitTally): AsyncGenerator<KeyedSpec[]> {
  for await (const batch of regroup(specs, BATCH)) {
    const keyed = tally.keyed(batch);
    const live = await liveJobs(
      db,
      keyed.map((k) => k.jobKey),
    );
    yield keyed.filter((item) => {
      const found = live.get(item.jobKey);
      if (found) tally.skip(alreadyLive(item.spec, found));
      return !found;
    });
  }
}

async function* keyedSpecs(specs: Iterable<JobSpec> | AsyncIterable<JobSpec>, tally: SubmitTally): AsyncGenerator<KeyedSpec[]> {
  for await (const batch of batches(specs, BATCH)) yield tally.keyed(batch);
}

/**
 * Queues jobs in one transaction, BATCH rows per statement; a job already
 * queued, running or done is skipped, so cron re-runs add only what is new.
 * Specs are read as they come: memory does not grow with their number.
 */
export function submitJobs({
  db,
  audit,
  specs,
  maxAttempts = DEFAULT_MAX_ATTEMPTS,
}: {
  db: Db;
  audit?: AuditContext;
  specs: Iterable<JobSpec> | AsyncIterable<JobSpec>;
  maxAttempts?: number;
}): Promise<SubmitResult> {
  const tally = new SubmitTally();
  return queueJobs({ db, audit, keyed: keyedSpecs(specs, tally), tally, maxAttempts });
}

/** submitJobs for specs already keyed and counted (by withoutLiveJobs, say). */
export async function queueJobs({
  db,
  audit,
  keyed,
  tally,
  maxAttempts = DEFAULT_MAX_ATTEMPTS,
}: {
  db: Db;
  audit?: AuditContext;
  keyed: AsyncIterable<KeyedSpec[]>;
  tally: SubmitTally;
  maxAttempts?: number;
}): Promise<SubmitResult> {
  return db.transaction(async (tx) => {
    const submitted: Job[] = [];
    let count = 0;
    const ids = new IdRanges();
    const ts = new Date(await tx.nowMs()).toISOString();
    for await (const batch of regroup(keyed, BATCH)) {
      const live = await liveJobs(
        tx,
        batch.map((k) => k.jobKey),
      );
      const fresh = new Map<string, KeyedSpec>();
      const repeated: KeyedSpec[] = [];
      for (const item of batch) {
        const found = live.get(item.jobKey);
        if (found) tally.skip(alreadyLive(item.spec, found));
        else if (fresh.has(item.jobKey)) repeated.push(item);
        else fresh.set(item.jobKey, item);
      }
      if (fresh.size === 0) continue;
      // another submitter's rows, not yet committed when the lookup ran, conflict here (PostgreSQL waits for them): skipped, not an error
      const inserted = await tx.all<Pick<JobRow, 'id' | 'job_key'>>(
        `INSERT INTO jobs (${COLUMNS}) VALUES ${[...fresh.keys()].map(() => `(${Array(18).fill('?').join(', ')})`).join(', ')} ${LIVE_KEY_CONFLICT} RETURNING id, job_key`,
        [...fresh.values()].flatMap((item) => rowValues(item, maxAttempts, ts)),
      );
      const idOf = new Map(inserted.map((row) => [row.job_key, Number(row.id)]));
      const raced = [...fresh.values()].filter((item) => !idOf.has(item.jobKey));
      if (raced.length > 0) for (const skipped of await queuedMeanwhile(tx, raced)) tally.skip(skipped);
      const newIds = [...idOf.values()].sort((a, b) => a - b);
      for (const id of newIds) ids.add(id);
      count += newIds.length;
      const listed = newIds.slice(0, LISTED - submitted.length);
      if (listed.length > 0) {
        const rows = await tx.all<JobRow>(`SELECT * FROM jobs WHERE id IN (${listed.map(() => '?').join(', ')}) ORDER BY id`, listed);
        submitted.push(...rows.map(fromRow));
      }
      for (const { spec, jobKey } of repeated) {
        const id = idOf.get(jobKey)!;
        tally.skip({ source: spec.source, reason: `already queued as job ${id}`, jobId: id, state: 'queued' });
      }
    }
    const result: SubmitResult = {
      submitted,
      skipped: tally.skipped,
      notMedia: tally.notMedia,
      counts: { submitted: count, skipped: tally.skippedCount, notMedia: tally.notMediaCount },
      jobIds: ids.toString(),
    };
    await audit?.record(tx, {
      target: tally.sources === 1 ? tally.firstSource! : countOf(tally.sources, 'source'),
      detail: { submitted: count, jobIds: result.jobIds, skipped: tally.skippedCount, notMedia: tally.notMediaCount },
    });
    if (count > 0) await tx.notify(JOBS_CHANNEL);
    return result;
  });
}
