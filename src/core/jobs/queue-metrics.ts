import type { Db } from '../store/open.ts';
import { JOB_STATES, type JobState } from './model.ts';
import { listWorkers } from './workers.ts';

/** What an SRE watches of the queue: how much waits and for how long, what failed lately, which workers beat. */
export interface QueueMetrics {
  jobs: Record<JobState, number>;
  /** Seconds since the oldest queued job was submitted; null when none is queued. */
  oldestQueuedSeconds: number | null;
  /** Attempts that ended in the last hour, by outcome (a lost lease: a worker gone or paused past it). */
  lastHour: { done: number; failed: number; lost: number };
  /** Workers that beat in the last day, and how long ago (by the store's clock). */
  workers: { id: string; host: string; status: 'alive' | 'dead' | 'stopped'; heartbeatAgeSeconds: number }[];
}

const HOUR_MS = 3_600_000;

export async function queueMetrics(db: Db, { deadAfterMs = 120_000 } = {}): Promise<QueueMetrics> {
  const now = await db.nowMs();
  const jobs = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
  for (const row of await db.all<{ state: JobState; n: number | string }>('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state'))
    jobs[row.state] = Number(row.n);
  const oldest = await db.get<{ at: string | null }>("SELECT MIN(created_at) AS at FROM jobs WHERE state = 'queued'");
  const lastHour = { done: 0, failed: 0, lost: 0 };
  // times are stored as ISO-8601 in UTC: they compare as text
  const since = new Date(now - HOUR_MS).toISOString();
  for (const row of await db.all<{ outcome: string; n: number | string }>(
    'SELECT outcome, COUNT(*) AS n FROM job_attempts WHERE finished_at >= ? GROUP BY outcome',
    [since],
  )) {
    if (row.outcome in lastHour) lastHour[row.outcome as keyof typeof lastHour] = Number(row.n);
  }
  const workers = (await listWorkers(db, { deadAfterMs, sinceMs: 24 * HOUR_MS })).map((w) => ({
    id: w.id,
    host: w.host,
    status: w.status,
    heartbeatAgeSeconds: Math.max(0, Math.round((now - Date.parse(w.heartbeatAt)) / 1000)),
  }));
  return {
    jobs,
    oldestQueuedSeconds: oldest?.at ? Math.max(0, Math.round((now - Date.parse(oldest.at)) / 1000)) : null,
    lastHour,
    workers,
  };
}
