import { knownVersions } from '../store/schemas.ts';
import type { Db } from '../store/open.ts';

/** A worker process as the pool sees it. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  version: string;
  concurrency: number;
  /** Endpoints this worker's host holds secrets for. */
  endpoints: string[];
  startedAt: string;
  heartbeatAt: string;
  /** How often it beats (a quarter of its --lease-seconds); null for workers of versions before it was recorded. */
  heartbeatEveryMs: number | null;
  /** The schema version of each area its mpegflow knows; null for workers of versions before it was recorded. */
  schemaKnown: Record<string, number> | null;
  /** 'broker': it holds no credentials and reaches the queue and the store through `mpegflow broker`. */
  mode: 'direct' | 'broker';
  stoppedAt: string | null;
  jobsDone: number;
  jobsFailed: number;
  bytesStored: number;
  /** Stopped cleanly, alive (heartbeat within the grace, and never less than two of its beats), or dead (no heartbeat, never said goodbye). */
  status: 'alive' | 'dead' | 'stopped';
  running: { id: number; source: string }[];
}

interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  version: string;
  concurrency: number;
  endpoints: string;
  started_at: string;
  heartbeat_ms: number;
  heartbeat_every_ms: number | null;
  schema_known: string | null;
  mode: string | null;
  stopped_at: string | null;
  jobs_done: number;
  jobs_failed: number;
  bytes_stored: number;
}

/** What a worker says of itself when it starts. */
export type WorkerRegistration = Pick<WorkerInfo, 'id' | 'host' | 'pid' | 'version' | 'concurrency' | 'endpoints'> & {
  heartbeatEveryMs: number;
  mode?: WorkerInfo['mode'];
};

export async function registerWorker(db: Db, worker: WorkerRegistration): Promise<void> {
  const ms = await db.nowMs();
  await db.run(
    `INSERT INTO workers (id, host, pid, version, concurrency, endpoints, started_at, heartbeat_ms, heartbeat_every_ms, schema_known, mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms, heartbeat_every_ms = excluded.heartbeat_every_ms, schema_known = excluded.schema_known, mode = excluded.mode, stopped_at = NULL`,
    [
      worker.id,
      worker.host,
      worker.pid,
      worker.version,
      worker.concurrency,
      JSON.stringify(worker.endpoints),
      new Date(ms).toISOString(),
      ms,
      worker.heartbeatEveryMs,
      JSON.stringify(knownVersions()),
      worker.mode === 'broker' ? 'broker' : null,
    ],
  );
}

export async function workerHeartbeat(db: Db, id: string): Promise<void> {
  await db.run('UPDATE workers SET heartbeat_ms = ? WHERE id = ?', [await db.nowMs(), id]);
}

export async function countWorkerJob(db: Db, id: string, outcome: 'done' | 'failed', bytesStored = 0): Promise<void> {
  const column = outcome === 'done' ? 'jobs_done' : 'jobs_failed';
  await db.run(`UPDATE workers SET ${column} = ${column} + 1, bytes_stored = bytes_stored + ? WHERE id = ?`, [bytesStored, id]);
}

export async function stopWorker(db: Db, id: string): Promise<void> {
  await db.run('UPDATE workers SET stopped_at = ? WHERE id = ?', [new Date(await db.nowMs()).toISOString(), id]);
}

/**
 * Every worker seen since `sinceMs` ago, newest first, with the jobs each is
 * running now. A worker is dead when its heartbeat is older than `deadAfterMs`
 * (and than two of its own beats: a long --lease-seconds beats slowly) and it
 * never said it stopped (kill -9, a lost host).
 */
export async function listWorkers(db: Db, { deadAfterMs = 120_000, sinceMs = 7 * 86_400_000 } = {}): Promise<WorkerInfo[]> {
  const now = await db.nowMs();
  const rows = await db.all<WorkerRow>('SELECT * FROM workers WHERE heartbeat_ms >= ? ORDER BY heartbeat_ms DESC', [now - sinceMs]);
  const running = await db.all<{ id: number; source: string; lease_owner: string }>(
    "SELECT id, source, lease_owner FROM jobs WHERE state = 'running' AND lease_expires_at >= ?",
    [now],
  );
  return rows.map((r) => ({
    id: r.id,
    host: r.host,
    pid: Number(r.pid),
    version: r.version,
    concurrency: Number(r.concurrency),
    endpoints: JSON.parse(r.endpoints) as string[],
    startedAt: r.started_at,
    heartbeatAt: new Date(Number(r.heartbeat_ms)).toISOString(),
    heartbeatEveryMs: r.heartbeat_every_ms === null ? null : Number(r.heartbeat_every_ms),
    schemaKnown: r.schema_known ? (JSON.parse(r.schema_known) as Record<string, number>) : null,
    mode: r.mode === 'broker' ? 'broker' : 'direct',
    stoppedAt: r.stopped_at,
    jobsDone: Number(r.jobs_done),
    jobsFailed: Number(r.jobs_failed),
    bytesStored: Number(r.bytes_stored),
    status: r.stopped_at
      ? 'stopped'
      : now - Number(r.heartbeat_ms) > Math.max(deadAfterMs, 2 * Number(r.heartbeat_every_ms ?? 0))
        ? 'dead'
        : 'alive',
    running: running.filter((j) => j.lease_owner === r.id).map((j) => ({ id: Number(j.id), source: j.source })),
  }));
}
