import { readFileSync } from 'node:fs';
import type { AuditContext } from '../audit/context.ts';
import { MpegflowError, userError } from '../errors.ts';
import type { Db } from '../store/open.ts';
import { hostSecret, hostSecretNames, setHostSecret } from './host-secrets.ts';
import type { Endpoint, EndpointRole, ResolvedEndpoint, SecretSource } from './model.ts';

export type SecretInput = { kind: 'stored'; value: string } | { kind: 'env'; variable: string };

export interface EndpointInput {
  name: string;
  url: string;
  accessKey: string;
  secret: SecretInput;
  region: string;
  caCertPath: string | null;
  role: EndpointRole | null;
  labels: Record<string, string>;
}

export interface EndpointRow {
  name: string;
  url: string;
  access_key: string;
  secret_kind: 'stored' | 'env' | 'host';
  secret_key: string | null;
  secret_env: string | null;
  region: string;
  ca_cert_path: string | null;
  role: EndpointRole | null;
  labels: string;
  created_at: string;
  updated_at: string;
}

function fromRow(row: EndpointRow): Endpoint {
  const secretSource: SecretSource = row.secret_kind === 'env' ? { kind: 'env', variable: row.secret_env! } : { kind: row.secret_kind };
  return {
    name: row.name,
    url: row.url,
    accessKey: row.access_key,
    secretSource,
    region: row.region,
    caCertPath: row.ca_cert_path,
    role: row.role,
    labels: JSON.parse(row.labels) as Record<string, string>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function endpointNotFound(name: string): MpegflowError {
  return new MpegflowError(`no endpoint named '${name}'`, {
    code: 'ENDPOINT_NOT_FOUND',
    suggestion: 'list the configured endpoints with `mpegflow endpoint list`, or add it with `mpegflow endpoint add`',
  });
}

async function findRow(db: Db, name: string): Promise<EndpointRow | undefined> {
  return db.get<EndpointRow>('SELECT * FROM endpoints WHERE name = ?', [name]);
}

export async function listEndpointRows(db: Db): Promise<EndpointRow[]> {
  return db.all<EndpointRow>('SELECT * FROM endpoints ORDER BY name');
}

export async function listEndpoints(db: Db): Promise<Endpoint[]> {
  return (await listEndpointRows(db)).map(fromRow);
}

export async function getEndpoint(db: Db, name: string): Promise<Endpoint> {
  const row = await findRow(db, name);
  if (!row) throw endpointNotFound(name);
  return fromRow(row);
}

/**
 * A secret given to a pool's shared database goes to this host's own file
 * instead (`host-secrets.ts`); the database records only where it is.
 */
async function upsert(db: Db, endpoint: EndpointInput, ts: string): Promise<void> {
  const hostKept = db.dialect === 'postgres' && endpoint.secret.kind === 'stored';
  if (hostKept) setHostSecret(endpoint.name, (endpoint.secret as { value: string }).value);
  await db.run(
    `INSERT INTO endpoints (name, url, access_key, secret_kind, secret_key, secret_env, region, ca_cert_path, role, labels, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET url = excluded.url, access_key = excluded.access_key, secret_kind = excluded.secret_kind,
       secret_key = excluded.secret_key, secret_env = excluded.secret_env, region = excluded.region, ca_cert_path = excluded.ca_cert_path,
       role = excluded.role, labels = excluded.labels, updated_at = excluded.updated_at`,
    [
      endpoint.name,
      endpoint.url,
      endpoint.accessKey,
      hostKept ? 'host' : endpoint.secret.kind,
      endpoint.secret.kind === 'stored' && !hostKept ? endpoint.secret.value : null,
      endpoint.secret.kind === 'env' ? endpoint.secret.variable : null,
      endpoint.region,
      endpoint.caCertPath,
      endpoint.role,
      JSON.stringify(endpoint.labels),
      ts,
      ts,
    ],
  );
}

export interface AddEndpointOptions {
  db: Db;
  audit: AuditContext;
  endpoint: EndpointInput;
  /** Replace an endpoint of the same name instead of refusing. */
  replace?: boolean;
  now?: () => Date;
}

export async function addEndpoint({ db, audit, endpoint, replace = false, now = () => new Date() }: AddEndpointOptions): Promise<Endpoint> {
  const ts = now().toISOString();
  return db.transaction(async (tx) => {
    const existing = await findRow(tx, endpoint.name);
    if (existing && !replace) {
      throw userError(
        `an endpoint named '${endpoint.name}' already exists (${existing.url})`,
        `choose another name, or remove it first with \`mpegflow endpoint remove ${endpoint.name}\``,
        'ENDPOINT_EXISTS',
      );
    }
    await upsert(tx, endpoint, ts);
    const added = fromRow((await findRow(tx, endpoint.name))!);
    await audit.record(tx, {
      target: endpoint.name,
      detail: { url: endpoint.url, role: endpoint.role, secret: added.secretSource.kind, replaced: Boolean(existing) },
    });
    return added;
  });
}

export async function removeEndpoint({ db, audit, name }: { db: Db; audit: AuditContext; name: string }): Promise<Endpoint> {
  const removed = await db.transaction(async (tx) => {
    const row = await findRow(tx, name);
    if (!row) throw endpointNotFound(name);
    await tx.run('DELETE FROM endpoints WHERE name = ?', [name]);
    await audit.record(tx, { target: name, detail: { url: row.url } });
    return fromRow(row);
  });
  if (removed.secretSource.kind === 'host' && hostSecret(name) !== undefined) setHostSecret(name, undefined);
  return removed;
}

/**
 * Everything needed to connect, secret included: read from the state file or,
 * for env-referenced secrets, from the environment now.
 */
export async function resolveEndpoint(db: Db, name: string, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedEndpoint> {
  const row = await findRow(db, name);
  if (!row) throw endpointNotFound(name);
  return resolveRow(row, env);
}

/** Which endpoints this host can use: it holds (or can read) their secrets. */
export async function usableEndpoints(db: Db, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const kept = hostSecretNames(env);
  return (await listEndpoints(db))
    .filter((e) =>
      e.secretSource.kind === 'env' ? Boolean(env[e.secretSource.variable]) : e.secretSource.kind === 'stored' || kept.has(e.name),
    )
    .map((e) => e.name);
}

export function resolveRow(row: EndpointRow, env: NodeJS.ProcessEnv): ResolvedEndpoint {
  const { name } = row;
  let secretKey: string;
  if (row.secret_kind === 'host') {
    const kept = hostSecret(name, env);
    if (kept === undefined) {
      throw new MpegflowError(`this host holds no secret key for endpoint '${name}'`, {
        code: 'SECRET_NOT_ON_HOST',
        suggestion: `the pool's shared database keeps no secrets: give this host its own with \`mpegflow endpoint add ${name} --replace --url ${row.url} --access-key ${row.access_key} --secret-key-stdin\``,
      });
    }
    secretKey = kept;
  } else if (row.secret_kind === 'env') {
    const value = env[row.secret_env!];
    if (!value) {
      throw new MpegflowError(`endpoint '${name}' reads its secret key from $${row.secret_env}, which is not set`, {
        code: 'SECRET_ENV_UNSET',
        suggestion: `export ${row.secret_env}=... in the environment that runs mpegflow (cron jobs have their own environment)`,
      });
    }
    secretKey = value;
  } else {
    secretKey = row.secret_key!;
  }
  let caCert: Buffer | null = null;
  if (row.ca_cert_path) {
    try {
      caCert = readFileSync(row.ca_cert_path);
    } catch {
      throw new MpegflowError(`endpoint '${name}' trusts the CA certificate ${row.ca_cert_path}, which cannot be read`, {
        code: 'CA_CERT_UNREADABLE',
        suggestion: `restore the file, or re-add the endpoint with \`mpegflow endpoint add ${name} --replace --ca-cert PATH ...\``,
      });
    }
  }
  return { name: row.name, url: row.url, accessKey: row.access_key, secretKey, region: row.region, caCert };
}

export interface ImportResult {
  imported: Endpoint[];
  skipped: { name: string; reason: string }[];
}

/** Adds several endpoints in one transaction with one audit entry; names that exist are skipped unless `replace`. */
export async function importEndpoints({
  db,
  audit,
  endpoints,
  skipped,
  replace = false,
  source,
  now = () => new Date(),
}: {
  db: Db;
  audit: AuditContext;
  endpoints: EndpointInput[];
  skipped: { name: string; reason: string }[];
  replace?: boolean;
  source: string;
  now?: () => Date;
}): Promise<ImportResult> {
  return db.transaction(async (tx) => {
    const imported: Endpoint[] = [];
    const allSkipped = [...skipped];
    for (const endpoint of endpoints) {
      if ((await findRow(tx, endpoint.name)) && !replace) {
        allSkipped.push({ name: endpoint.name, reason: 'an endpoint of this name exists (use --replace)' });
        continue;
      }
      await upsert(tx, endpoint, now().toISOString());
      imported.push(fromRow((await findRow(tx, endpoint.name))!));
    }
    await audit.record(tx, { target: source, detail: { imported: imported.map((e) => e.name), skipped: allSkipped } });
    return { imported, skipped: allSkipped };
  });
}
