import { readFileSync, readdirSync } from 'node:fs';
import type { JWK } from 'jose';
import path from 'node:path';
import { packageInfo } from '../encode/package-root.ts';
import { userError } from '../errors.ts';
import type { Db } from '../store/open.ts';

/** A public key MpegFlow trusts to sign licenses, pinned to one algorithm. */
export interface TrustedKey {
  kid: string;
  alg: 'EdDSA' | 'ES256';
  jwk: JWK & { kid: string; alg: string };
  source: string;
}

const ALLOWED_ALGS = new Set(['EdDSA', 'ES256']);

/** keys/ at the package root: the issuer's public keys shipped with MpegFlow. */
export function shippedKeysDir(): string {
  return path.join(packageInfo().root, 'keys');
}

/** Reads a JWKS ({"keys": [...]}) or a single public JWK, refusing private keys and unpinned or HMAC keys. */
export function parseKeyFile(file: string): TrustedKey[] {
  let parsed: { keys?: unknown[] } & Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw userError(
      `cannot read the key file ${file}${missing ? ': no such file' : ': it is not JSON'}`,
      'give a public key as a JWK or JWKS JSON file, as the license issuer provides it',
      'KEY_FILE_INVALID',
    );
  }
  const candidates = Array.isArray(parsed.keys) ? parsed.keys : [parsed];
  return candidates.map((candidate) => {
    const jwk = candidate as JWK & { kid?: string; alg?: string };
    if (!jwk.kid || !jwk.alg)
      throw userError(
        `a key in ${file} has no kid or no alg`,
        'every trusted key must name its id (kid) and the one algorithm it signs with (alg)',
        'KEY_FILE_INVALID',
      );
    if (!ALLOWED_ALGS.has(jwk.alg))
      throw userError(
        `key '${jwk.kid}' in ${file} is for ${jwk.alg}`,
        'licenses are signed with EdDSA (Ed25519) or ES256 keys only',
        'KEY_FILE_INVALID',
      );
    if ('d' in jwk)
      throw userError(
        `${file} holds a private key`,
        'give MpegFlow only the public key; keep the private key with the issuer',
        'KEY_FILE_PRIVATE',
      );
    const { kty, crv, x, y, kid, alg } = jwk;
    return { kid, alg: alg as TrustedKey['alg'], jwk: { kty, crv, x, ...(y ? { y } : {}), kid, alg }, source: file };
  });
}

export function shippedKeys(dir = shippedKeysDir()): TrustedKey[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.sort().flatMap((f) => parseKeyFile(path.join(dir, f)).map((k) => ({ ...k, source: 'shipped' })));
}

export function operatorKeys(db: Db): TrustedKey[] {
  return db
    .prepare<[], { kid: string; alg: TrustedKey['alg']; jwk: string; source: string }>(
      'SELECT kid, alg, jwk, source FROM license_trusted_keys ORDER BY kid',
    )
    .all()
    .map((row) => ({ kid: row.kid, alg: row.alg, jwk: JSON.parse(row.jwk) as TrustedKey['jwk'], source: row.source }));
}

/** Records an operator-trusted key (for a private issuer); call inside the audited transaction. */
export function storeTrustedKeys(db: Db, keys: TrustedKey[], now: Date): void {
  const insert = db.prepare(
    'INSERT INTO license_trusted_keys (kid, alg, jwk, source, added_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kid) DO UPDATE SET alg = excluded.alg, jwk = excluded.jwk, source = excluded.source',
  );
  for (const key of keys) insert.run(key.kid, key.alg, JSON.stringify(key.jwk), key.source, now.toISOString());
}
