import { JOB_STATES, type JobState } from '../jobs/model.ts';
import { listWorkers } from '../jobs/workers.ts';
import { latestVersion, usableFrom, type AreaSchema } from './migration.ts';
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
  hosts: HostStatus[];
  queue: Record<JobState, number>;
  auditEntries: number;
  checkedAt: string;
}

export interface HostStatus {
  host: string;
  alive: number;
  dead: number;
  stopped: number;
  lastSeen: string;
  /** The mpegflow version of its worker seen last. */
  version: string;
  /** The schema version of each area that worker knows; null when it ran a version from before that was recorded. */
  schemaKnown: Record<string, number> | null;
  /** Whether that version may use the store as it is now; null when its schema knowledge is not recorded. */
  canRun: boolean | null;
}

/** What `db migrate` did: how many migrations it applied, and the state after. */
export interface DbMigrateResult extends StoreStatus {
  applied: number;
}
/**
 * The areas a program knowing `known` may not use once each area is usable only from `usableFrom`'s version:
 * those it knows, at a version older than that (an area it does not know, it does not touch).
 */
export function blockingAreas(known: Record<string, number>, usableFrom: Map<string, number>): string[] {
  return [...usableFrom]
    .filter(([area, from]) => known[area] !== undefined && known[area] < from)
    .map(([area, from]) => `${area} v${from}`);
}

/**
 * The hosts with live workers that applying this mpegflow's pending migrations would stop, each with what it
 * lacks: those a breaking one leaves behind, and those whose schema knowledge is not recorded when there is a
 * breaking one at all.
 */
export function hostsStoppedByMigrating(
  status: StoreStatus,
  schemas: AreaSchema[] = allSchemas,
): { host: string; version: string; lacks: string }[] {
  const applied = new Map(status.schema.map((s) => [s.area, s.applied]));
  const after = new Map(
    schemas
      .filter((s) => s.migrations.some((m) => m.version > (applied.get(s.area) ?? 0) && m.compatibility !== 'additive'))
      .map((s) => [s.area, usableFrom(s, latestVersion(s))] as const),
  );
  if (after.size === 0) return [];
  return status.hosts
    .filter((h) => h.alive > 0 && h.canRun !== false)
    .flatMap((h) => {
      const lacks = h.schemaKnown
        ? blockingAreas(h.schemaKnown, after)
        : [`a record of its schema (needed: ${[...after].map(([a, v]) => `${a} v${v}`).join(', ')})`];
      return lacks.length > 0 ? [{ host: h.host, version: h.version, lacks: lacks.join(', ') }] : [];
    });
}

export async function storeStatus(db: Db, schemas: AreaSchema[] = allSchemas): Promise<StoreStatus> {
  const [applied, usable] = await Promise.all([appliedVersions(db), usableFromVersions(db)]);
  const schema = schemas.map((s) => {
    const version = applied.get(s.area) ?? 0;
    const known = latestVersion(s);
    const newer = (usable.get(s.area) ?? version) > known ? 'newer' : 'newer-usable';
    const state = version === 0 ? 'missing' : version < known ? 'older' : version > known ? newer : 'current';
    return { area: s.area, applied: version, known, state } as const;
  });
  // an older schema is read as it is (db migrate weighs its hosts before it migrates); the workers came with jobs v2
  const readable = schema.every((s) => s.state !== 'newer' && s.state !== 'missing') && (applied.get('jobs') ?? 0) >= 2;
  const queue = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  const hosts = new Map<string, StoreStatus['hosts'][number]>();
  let auditEntries = 0;
  if (readable) {
    for (const row of await db.all<{ state: JobState; n: number }>('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state')) {
      queue[row.state] = Number(row.n);
    }
    // newest first: a host's first worker is the version it runs now
    for (const worker of await listWorkers(db)) {
      const entry = hosts.get(worker.host) ?? {
        host: worker.host,
        alive: 0,
        dead: 0,
        stopped: 0,
        lastSeen: worker.heartbeatAt,
        version: worker.version,
        schemaKnown: worker.schemaKnown,
        canRun: worker.schemaKnown ? blockingAreas(worker.schemaKnown, usable).length === 0 : null,
      };
      entry[worker.status]++;
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
