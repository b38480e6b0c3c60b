import { JOB_STATES, type JobState } from '../jobs/model.ts';
import { listWorkers } from '../jobs/workers.ts';
import { latestVersion } from './migration.ts';
import { appliedVersions, usableFromVersions, type Db } from './open.ts';
import { allSchemas } from './schemas.ts';

export interface StoreStatus {
  backend: 'sqlite' | 'postgres';
  /** A file path, or the URL without its password. */
  location: string;
  /** newer-usable: a newer mpegflow changed it additively, this one may go on (upgrade when you can); newer: it may not. */
  schema: { area: string; applied: number; known: number; state: 'current' | 'older' | 'newer-usable' | 'newer' | 'missing' }[];
  /** Run `mpegflow db migrate` (PostgreSQL) or any command (SQLite) to bring it up to date. */
  upToDate: boolean;
  /** Hosts whose workers were seen in the last 7 days, with their workers' states. */
  hosts: { host: string; alive: number; dead: number; stopped: number; lastSeen: string }[];
  queue: Record<JobState, number>;
  auditEntries: number;
  checkedAt: string;
}

/** What `db migrate` did: how many migrations it applied, and the state after. */
export interface DbMigrateResult extends StoreStatus {
  applied: number;
}
export async function storeStatus(db: Db): Promise<StoreStatus> {
  const [applied, usable] = await Promise.all([appliedVersions(db), usableFromVersions(db)]);
  const schema = allSchemas.map((s) => {
    const version = applied.get(s.area) ?? 0;
    const known = latestVersion(s);
    const newer = (usable.get(s.area) ?? version) > known ? 'newer' : 'newer-usable';
    const state = version === 0 ? 'missing' : version < known ? 'older' : version > known ? newer : 'current';
    return { area: s.area, applied: version, known, state } as const;
  });
  const ready = schema.every((s) => s.state === 'current' || s.state === 'newer-usable');
  const queue = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  const hosts = new Map<string, StoreStatus['hosts'][number]>();
  let auditEntries = 0;
  if (ready) {
    for (const row of await db.all<{ state: JobState; n: number }>('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state')) {
      queue[row.state] = Number(row.n);
    }
    for (const worker of await listWorkers(db)) {
      const entry = hosts.get(worker.host) ?? { host: worker.host, alive: 0, dead: 0, stopped: 0, lastSeen: worker.heartbeatAt };
      entry[worker.status]++;
      if (worker.heartbeatAt > entry.lastSeen) entry.lastSeen = worker.heartbeatAt;
      hosts.set(worker.host, entry);
    }
    auditEntries = Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM audit_log'))!.n);
  }
  return {
    backend: db.dialect,
    location: db.location,
    schema,
    upToDate: schema.every((s) => s.state === 'current'),
    hosts: [...hosts.values()],
    queue,
    auditEntries,
    checkedAt: new Date(await db.nowMs()).toISOString(),
  };
}
