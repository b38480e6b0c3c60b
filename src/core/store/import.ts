import type { AuditContext } from '../audit/context.ts';
import { insertEntry, iterateAudit, type AuditEntry } from '../audit/log.ts';
import { MpegflowError } from '../errors.ts';
import { setHostSecret } from '../endpoints/host-secrets.ts';
import { hostName } from '../host.ts';
import type { Db } from './open.ts';
import { tableRows } from './paging.ts';

export interface ImportResult {
  from: string;
  to: string;
  endpoints: { imported: string[]; skipped: string[]; secretsKeptOnHost: string[] };
  jobs: { imported: number; skipped: number };
  audit: { imported: number; alreadyThere: number; skipped: boolean };
  replicationRules: number;
  routes: number;
  healthSamples: number;
  license: { installed: boolean; trustedKeys: number };
}

type Row = Record<string, string | number | null>;

/**
 * Moves one host's SQLite state into the pool's PostgreSQL database, in one
 * transaction, idempotently: endpoints (secrets go to this host's own file,
 * never to the shared database), jobs with their attempts and logs (a job
 * running here is queued again there), the audit chain entry for entry (same
 * ids, same hashes, so it still verifies), replication records, health
 * samples, the license and the clock mark. Running it again adds only what
 * is new.
 */
export async function importSqliteState({
  from,
  to,
  audit,
  withoutAudit = false,
}: {
  from: Db;
  to: Db;
  audit: AuditContext;
  withoutAudit?: boolean;
}): Promise<ImportResult> {
  if (from.dialect !== 'sqlite' || to.dialect !== 'postgres') {
    throw new MpegflowError('db import copies a SQLite state file into the PostgreSQL database of a pool', {
      code: 'USAGE',
      suggestion: 'set MPEGFLOW_DATABASE_URL to the pool database and give the state file with --from',
    });
  }
  const origin = `${hostName()}:${from.location}`;
  return to.transaction(async (tx) => {
    await tx.lock('audit');
    const result: ImportResult = {
      from: from.location,
      to: to.location,
      endpoints: await importEndpoints(from, tx),
      jobs: await importJobs(from, tx, origin),
      audit: withoutAudit ? { imported: 0, alreadyThere: 0, skipped: true } : await importAuditChain(from, tx),
      replicationRules: await copyRows(from, tx, 'replication_rules', 'ON CONFLICT DO NOTHING'),
      routes: await copyRows(from, tx, 'routes', 'ON CONFLICT DO NOTHING'),
      healthSamples: await importSamples(from, tx),
      license: await importLicense(from, tx),
    };
    await audit.record(tx, {
      target: from.location,
      detail: {
        endpoints: result.endpoints.imported,
        jobs: result.jobs.imported,
        auditEntries: result.audit.imported,
        replicationRules: result.replicationRules,
        routes: result.routes,
      },
    });
    return result;
  });
}

async function importEndpoints(from: Db, to: Db): Promise<ImportResult['endpoints']> {
  const result: ImportResult['endpoints'] = { imported: [], skipped: [], secretsKeptOnHost: [] };
  for (const row of await from.all<Row>('SELECT * FROM endpoints ORDER BY name')) {
    const name = String(row.name);
    if (await to.get('SELECT name FROM endpoints WHERE name = ?', [name])) {
      result.skipped.push(name);
    } else {
      const stored = row.secret_kind === 'stored';
      await to.run(
        `INSERT INTO endpoints (name, url, access_key, secret_kind, secret_key, secret_env, region, ca_cert_path, role, labels, created_at, updated_at)
         VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)`,
        [
          name,
          row.url!,
          row.access_key!,
          stored ? 'host' : 'env',
          row.secret_env ?? null,
          row.region!,
          row.ca_cert_path ?? null,
          row.role ?? null,
          row.labels!,
          row.created_at!,
          row.updated_at!,
        ],
      );
      result.imported.push(name);
    }
    // this host keeps using the endpoint: its secret moves to the host-local file, never to the shared database
    if (row.secret_kind === 'stored' && row.secret_key) {
      setHostSecret(name, String(row.secret_key));
      result.secretsKeptOnHost.push(name);
    }
  }
  return result;
}

async function importJobs(from: Db, to: Db, origin: string): Promise<ImportResult['jobs']> {
  let imported = 0;
  let skipped = 0;
  for await (const job of tableRows<Row>(from, 'jobs')) {
    const ref = `${origin}#${job.id}`;
    const live = await to.get(
      "SELECT id FROM jobs WHERE import_ref = ? OR (job_key = ? AND state IN ('queued', 'running', 'done') AND ? IN ('queued', 'running', 'done'))",
      [ref, job.job_key!, job.state!],
    );
    if (live) {
      skipped++;
      continue;
    }
    const requeue = job.state === 'running';
    const inserted = await to.get<{ id: number }>(
      `INSERT INTO jobs (source, source_identity, preset, preset_hash, preset_file, destination, job_key, priority, state, attempts, max_attempts,
         attempt_budget, not_before, cancel_requested, last_error, result, created_at, updated_at, started_at, finished_at, lease_generation, lost_leases, needs, import_ref,
         customer, class, route, retention)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [
        job.source!,
        job.source_identity!,
        job.preset!,
        job.preset_hash!,
        job.preset_file ?? null,
        job.destination!,
        job.job_key!,
        job.priority!,
        requeue ? 'queued' : job.state!,
        job.attempts!,
        job.max_attempts!,
        job.attempt_budget ?? null,
        job.cancel_requested!,
        job.last_error ?? null,
        job.result ?? null,
        job.created_at!,
        job.updated_at!,
        job.started_at ?? null,
        job.finished_at ?? null,
        job.lease_generation!,
        job.lost_leases!,
        job.needs!,
        ref,
        job.customer ?? null,
        job.class ?? null,
        job.route ?? null,
        job.retention ?? null,
      ],
    );
    const id = inserted!.id;
    for (const attempt of await from.all<Row>('SELECT * FROM job_attempts WHERE job_id = ? ORDER BY attempt', [job.id!])) {
      await to.run(
        'INSERT INTO job_attempts (job_id, attempt, worker, host, generation, started_at, finished_at, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
          id,
          attempt.attempt!,
          attempt.worker!,
          attempt.host ?? null,
          attempt.generation ?? null,
          attempt.started_at!,
          attempt.finished_at ?? (requeue ? new Date().toISOString() : null),
          attempt.outcome ?? (requeue ? 'lost' : null),
          attempt.error ?? (requeue ? 'moved to the pool database while running' : null),
        ],
      );
    }
    for (const line of await from.all<Row>('SELECT ts, line FROM job_logs WHERE job_id = ? ORDER BY id', [job.id!])) {
      await to.run('INSERT INTO job_logs (job_id, ts, line) VALUES (?, ?, ?)', [id, line.ts!, line.line!]);
    }
    imported++;
  }
  return { imported, skipped };
}

/**
 * The host's chain goes in entry for entry when the shared log is empty or
 * already holds a beginning of it (an earlier import). A shared log that
 * holds another chain cannot take it without breaking one of the two.
 */
async function importAuditChain(from: Db, to: Db): Promise<ImportResult['audit']> {
  let imported = 0;
  let alreadyThere = 0;
  let last: AuditEntry | undefined;
  for await (const entry of iterateAudit(from)) {
    const there = await to.get<{ hash: string }>('SELECT hash FROM audit_log WHERE id = ?', [entry.id]);
    if (there) {
      if (there.hash !== entry.hash) {
        throw new MpegflowError(`the pool's audit log already holds another chain (entry ${entry.id} differs from this host's)`, {
          code: 'AUDIT_CHAINS_DIFFER',
          suggestion:
            "import each host's state before it writes to the pool, or run `mpegflow db import --without-audit` and keep this host's state file as the archive of its own chain (`MPEGFLOW_DATABASE_URL= mpegflow audit verify`)",
        });
      }
      alreadyThere++;
      continue;
    }
    await insertEntry(to, entry);
    last = entry;
    imported++;
  }
  if (last) {
    await to.run(
      `INSERT INTO audit_head (singleton, last_id, last_hash, entries) VALUES (1, ?, ?, ?)
       ON CONFLICT (singleton) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash, entries = excluded.entries`,
      [last.id, last.hash, alreadyThere + imported],
    );
  }
  return { imported, alreadyThere, skipped: false };
}

async function importSamples(from: Db, to: Db): Promise<number> {
  let count = 0;
  for await (const s of tableRows<Row>(from, 'health_samples')) {
    const { changes } = await to.run(
      `INSERT INTO health_samples (endpoint, ts, status, drives_total, drives_online, drives_healing, raw_bytes, raw_used_bytes, usable_bytes, usable_used_bytes)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM health_samples WHERE endpoint = ? AND ts = ?)`,
      [
        s.endpoint!,
        s.ts!,
        s.status!,
        s.drives_total!,
        s.drives_online!,
        s.drives_healing!,
        s.raw_bytes!,
        s.raw_used_bytes!,
        s.usable_bytes!,
        s.usable_used_bytes!,
        s.endpoint!,
        s.ts!,
      ],
    );
    count += changes;
  }
  return count;
}

async function importLicense(from: Db, to: Db): Promise<ImportResult['license']> {
  const trustedKeys = await copyRows(from, to, 'license_trusted_keys', 'ON CONFLICT DO NOTHING');
  const installed = (await copyRows(from, to, 'license_installed', 'ON CONFLICT DO NOTHING')) > 0;
  const mark = await from.get<{ high_water: string }>('SELECT high_water FROM license_clock');
  if (mark) {
    await to.run(
      'INSERT INTO license_clock (singleton, high_water) VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET high_water = excluded.high_water WHERE excluded.high_water > license_clock.high_water',
      [mark.high_water],
    );
  }
  return { installed, trustedKeys };
}

/** Copies every row of a table whose columns are the same on both sides. */
async function copyRows(from: Db, to: Db, table: string, onConflict: string): Promise<number> {
  let count = 0;
  for (const row of await from.all<Row>(`SELECT * FROM ${table}`)) {
    const columns = Object.keys(row);
    const { changes } = await to.run(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ${onConflict}`,
      columns.map((c) => row[c] ?? null),
    );
    count += changes;
  }
  return count;
}
