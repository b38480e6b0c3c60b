import { createHash, randomBytes } from 'node:crypto';
import type { AuditContext } from '../audit/context.ts';
import { MpegflowError } from '../errors.ts';
import type { Db } from '../store/open.ts';

/** A worker host's credential as `broker token list` shows it (never the token). */
export interface BrokerToken {
  host: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** A token just issued: shown this once, as the broker keeps only its sha256. */
export interface BrokerTokenAdded {
  host: string;
  token: string;
}

/** Tokens say what they are in logs and secret scanners: mfb_ then 32 random bytes. */
const PREFIX = 'mfb_';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/** A host name as the broker keys its token and as the worker's jobs name it. */
function checkHost(host: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/.test(host)) {
    throw new MpegflowError(`'${host}' is not a host name`, {
      code: 'USAGE',
      suggestion:
        'name the worker host as its workers call themselves (letters, digits, dots, dashes: MPEGFLOW_HOST_NAME or the host name)',
    });
  }
}

/**
 * A new token for `host`, returned once and stored only as its sha256. A host that has one (revoked or not)
 * gets a new one in its place: rotating is adding again.
 */
export async function addToken(db: Db, host: string, audit: AuditContext): Promise<string> {
  checkHost(host);
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  await db.transaction(async (tx) => {
    const ts = new Date(await tx.nowMs()).toISOString();
    await tx.run(
      `INSERT INTO broker_tokens (host, token_sha256, created_at) VALUES (?, ?, ?)
       ON CONFLICT (host) DO UPDATE SET token_sha256 = excluded.token_sha256, created_at = excluded.created_at, revoked_at = NULL, last_used_at = NULL`,
      [host, digest(token), ts],
    );
    await audit.record(tx, { target: `broker token ${host}`, detail: { event: 'token-added' } });
  });
  return token;
}

export async function revokeToken(db: Db, host: string, audit: AuditContext): Promise<BrokerToken> {
  return db.transaction(async (tx) => {
    const ts = new Date(await tx.nowMs()).toISOString();
    const row = await tx.get<TokenRow>('UPDATE broker_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE host = ? RETURNING *', [
      ts,
      host,
    ]);
    if (!row) {
      throw new MpegflowError(`no broker token for host '${host}'`, {
        code: 'BROKER_TOKEN_NOT_FOUND',
        suggestion: 'see the hosts that have one with `mpegflow broker token list`',
      });
    }
    await audit.record(tx, { target: `broker token ${host}`, detail: { event: 'token-revoked' } });
    return fromRow(row);
  });
}

export async function listTokens(db: Db): Promise<BrokerToken[]> {
  return (await db.all<TokenRow>('SELECT * FROM broker_tokens ORDER BY host')).map(fromRow);
}

/** The host a bearer token belongs to, or undefined when it is unknown or revoked. */
export async function tokenHost(db: Db, token: string): Promise<string | undefined> {
  if (!token.startsWith(PREFIX)) return undefined;
  const row = await db.get<TokenRow>('SELECT * FROM broker_tokens WHERE token_sha256 = ? AND revoked_at IS NULL', [digest(token)]);
  return row?.host;
}

/** When each host last used its token: written at most once a minute a host, not on every request. */
export async function touchToken(db: Db, host: string): Promise<void> {
  const ms = await db.nowMs();
  await db.run('UPDATE broker_tokens SET last_used_at = ? WHERE host = ?', [new Date(ms).toISOString(), host]);
}

interface TokenRow {
  host: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

function fromRow(row: TokenRow): BrokerToken {
  return { host: row.host, createdAt: row.created_at, revokedAt: row.revoked_at, lastUsedAt: row.last_used_at };
}
