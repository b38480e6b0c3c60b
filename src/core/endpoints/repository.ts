import { readFileSync } from 'node:fs';
import type { AuditContext } from '../audit/context.ts';
import { MpegflowError, userError } from '../errors.ts';
import type { Db } from '../store/open.ts';
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

interface EndpointRow {
  name: string;
  url: string;
  access_key: string;
  secret_kind: 'stored' | 'env';
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
  const secretSource: SecretSource = row.secret_kind === 'env' ? { kind: 'env', variable: row.secret_env! } : { kind: 'stored' };
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

function findRow(db: Db, name: string): EndpointRow | undefined {
  return db.prepare<[string], EndpointRow>('SELECT * FROM endpoints WHERE name = ?').get(name);
}

export function listEndpoints(db: Db): Endpoint[] {
  return db.prepare<[], EndpointRow>('SELECT * FROM endpoints ORDER BY name').all().map(fromRow);
}

export function getEndpoint(db: Db, name: string): Endpoint {
  const row = findRow(db, name);
  if (!row) throw endpointNotFound(name);
  return fromRow(row);
}

function upsert(db: Db, endpoint: EndpointInput, ts: string): void {
  db.prepare(
    `INSERT INTO endpoints (name, url, access_key, secret_kind, secret_key, secret_env, region, ca_cert_path, role, labels, created_at, updated_at)
     VALUES (@name, @url, @accessKey, @secretKind, @secretKey, @secretEnv, @region, @caCertPath, @role, @labels, @ts, @ts)
     ON CONFLICT (name) DO UPDATE SET url = excluded.url, access_key = excluded.access_key, secret_kind = excluded.secret_kind,
       secret_key = excluded.secret_key, secret_env = excluded.secret_env, region = excluded.region, ca_cert_path = excluded.ca_cert_path,
       role = excluded.role, labels = excluded.labels, updated_at = excluded.updated_at`,
  ).run({
    name: endpoint.name,
    url: endpoint.url,
    accessKey: endpoint.accessKey,
    secretKind: endpoint.secret.kind,
    secretKey: endpoint.secret.kind === 'stored' ? endpoint.secret.value : null,
    secretEnv: endpoint.secret.kind === 'env' ? endpoint.secret.variable : null,
    region: endpoint.region,
    caCertPath: endpoint.caCertPath,
    role: endpoint.role,
    labels: JSON.stringify(endpoint.labels),
    ts,
  });
}

export interface AddEndpointOptions {
  db: Db;
  audit: AuditContext;
  endpoint: EndpointInput;
  /** Replace an endpoint of the same name instead of refusing. */
  replace?: boolean;
  now?: () => Date;
}

export function addEndpoint({ db, audit, endpoint, replace = false, now = () => new Date() }: AddEndpointOptions): Endpoint {
  const ts = now().toISOString();
  return db
    .transaction(() => {
      const existing = findRow(db, endpoint.name);
      if (existing && !replace) {
        throw userError(
          `an endpoint named '${endpoint.name}' already exists (${existing.url})`,
          `choose another name, or remove it first with \`mpegflow endpoint remove ${endpoint.name}\``,
          'ENDPOINT_EXISTS',
        );
      }
      upsert(db, endpoint, ts);
      audit.record(db, {
        target: endpoint.name,
        detail: { url: endpoint.url, role: endpoint.role, secret: endpoint.secret.kind, replaced: Boolean(existing) },
      });
      return fromRow(findRow(db, endpoint.name)!);
    })
    .immediate();
}

export function removeEndpoint({ db, audit, name }: { db: Db; audit: AuditContext; name: string }): Endpoint {
  return db
    .transaction(() => {
      const row = findRow(db, name);
      if (!row) throw endpointNotFound(name);
      db.prepare('DELETE FROM endpoints WHERE name = ?').run(name);
      audit.record(db, { target: name, detail: { url: row.url } });
      return fromRow(row);
    })
    .immediate();
}

/**
 * Everything needed to connect, secret included: read from the state file or,
 * for env-referenced secrets, from the environment now.
 */
export function resolveEndpoint(db: Db, name: string, env: NodeJS.ProcessEnv = process.env): ResolvedEndpoint {
  const row = findRow(db, name);
  if (!row) throw endpointNotFound(name);
  let secretKey: string;
  if (row.secret_kind === 'env') {
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
export function importEndpoints({
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
}): ImportResult {
  return db
    .transaction(() => {
      const imported: Endpoint[] = [];
      const allSkipped = [...skipped];
      for (const endpoint of endpoints) {
        if (findRow(db, endpoint.name) && !replace) {
          allSkipped.push({ name: endpoint.name, reason: 'an endpoint of this name exists (use --replace)' });
          continue;
        }
        upsert(db, endpoint, now().toISOString());
        imported.push(fromRow(findRow(db, endpoint.name)!));
      }
      audit.record(db, { target: source, detail: { imported: imported.map((e) => e.name), skipped: allSkipped } });
      return { imported, skipped: allSkipped };
    })
    .immediate();
}
