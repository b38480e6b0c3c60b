import type { ErrorCode } from '../error-codes.ts';
import { readdirSync } from 'node:fs';
import type { JWK } from 'jose';
import path from 'node:path';
import { packageInfo } from '../package-root.ts';
import { userError } from '../errors.ts';
import type { Db } from '../store/open.ts';
import { LICENSE_ALGS, type LicenseAlg } from './model.ts';
import { readUserFile } from '../user-file.ts';

/** A JWKS of a few public keys is a few KB; anything much bigger is not a key file. */
const KEY_FILE_MAX_BYTES = 1024 * 1024;

/** A public key MpegFlow trusts to sign licenses, pinned to one algorithm. */
export interface TrustedKey {
  kid: string;
  alg: LicenseAlg;
  jwk: JWK & { kid: string; alg: string };
  /** 'shipped' (keys/ in the package) or the file an operator trusted it from. */
  source: string;
}

/** The key type and curve each algorithm needs: a key is usable for exactly one algorithm. */
const KEY_SHAPE: Record<LicenseAlg, { kty: string; crv: string; y: boolean }> = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519', y: false },
  ES256: { kty: 'EC', crv: 'P-256', y: true },
};
const KEY_FILE_HINT = 'give the public key as a JWK or JWKS JSON file, as the license issuer provides it';

/** keys/ at the package root: the issuer's public keys shipped with MpegFlow. */
export function shippedKeysDir(): string {
  return path.join(packageInfo().root, 'keys');
}

function badKey(message: string, suggestion = KEY_FILE_HINT, code: ErrorCode = 'KEY_FILE_INVALID') {
  return userError(message, suggestion, code);
}

function parseKey(candidate: unknown, file: string): TrustedKey {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate))
    throw badKey(`${file} holds something that is not a key`);
  const jwk = candidate as JWK & { kid?: unknown; alg?: unknown };
  if (typeof jwk.kid !== 'string' || !jwk.kid || typeof jwk.alg !== 'string')
    throw badKey(
      `a key in ${file} has no kid or no alg`,
      'every trusted key must name its id (kid) and the one algorithm it signs with (alg)',
    );
  const { kid, alg } = jwk;
  if (!(LICENSE_ALGS as readonly string[]).includes(alg))
    throw badKey(`key '${kid}' in ${file} is for ${alg}`, `licenses are signed with ${LICENSE_ALGS.join(' or ')} keys only`);
  if ('d' in jwk)
    throw badKey(
      `${file} holds a private key`,
      'give MpegFlow only the public key; keep the private key with the issuer',
      'KEY_FILE_PRIVATE',
    );
  if (jwk.use !== undefined && jwk.use !== 'sig') throw badKey(`key '${kid}' in ${file} is not a signing key (use '${jwk.use}')`);
  const shape = KEY_SHAPE[alg as LicenseAlg];
  const coordinate = (v: unknown) => typeof v === 'string' && /^[A-Za-z0-9_-]+$/.test(v);
  if (jwk.kty !== shape.kty || jwk.crv !== shape.crv || !coordinate(jwk.x) || (shape.y && !coordinate(jwk.y)))
    throw badKey(`key '${kid}' in ${file} is not an ${alg} public key (${alg} needs kty ${shape.kty}, crv ${shape.crv})`);
  const { kty, crv, x, y } = jwk;
  return { kid, alg: alg as LicenseAlg, jwk: { kty, crv, x, ...(shape.y ? { y } : {}), kid, alg }, source: file };
}

/** Reads a JWKS ({"keys": [...]}) or a single public JWK, refusing private keys and unpinned, HMAC or malformed keys. */
export function parseKeyFile(file: string): TrustedKey[] {
  const text = readUserFile(file, {
    what: 'the key file',
    maxBytes: KEY_FILE_MAX_BYTES,
    suggestion: KEY_FILE_HINT,
    code: 'KEY_FILE_INVALID',
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.toString('utf8'));
  } catch {
    throw badKey(`cannot read the key file ${file}: it is not JSON`);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  const candidates = Array.isArray(keys) ? keys : [parsed];
  if (candidates.length === 0) throw badKey(`${file} holds no keys`);
  return candidates.map((candidate) => parseKey(candidate, file));
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

export async function operatorKeys(db: Db): Promise<TrustedKey[]> {
  return (
    await db.all<{ kid: string; alg: LicenseAlg; jwk: string; source: string }>(
      'SELECT kid, alg, jwk, source FROM license_trusted_keys ORDER BY kid',
    )
  ).map((row) => ({ kid: row.kid, alg: row.alg, jwk: JSON.parse(row.jwk) as TrustedKey['jwk'], source: row.source }));
}

const sameKey = (a: TrustedKey, b: TrustedKey) => JSON.stringify(a.jwk) === JSON.stringify(b.jwk);

/**
 * Every key to verify with, one per kid: a shipped key wins its kid; a key
 * given for this run replaces a stored one of the same kid (a private
 * issuer's rotation). A new key may not reuse a shipped key's kid with other
 * material: a private issuer's file must never shadow the vendor's key.
 */
export function mergeKeys(shipped: TrustedKey[], stored: TrustedKey[], extra: TrustedKey[]): TrustedKey[] {
  for (const key of extra) {
    const taken = shipped.find((k) => k.kid === key.kid);
    if (taken && !sameKey(taken, key))
      throw badKey(
        `key '${key.kid}' in ${key.source} is not the key MpegFlow ships under that id`,
        'a private issuer must name its keys with ids of its own (kid); ask it for a correctly named key file',
        'KEY_KID_TAKEN',
      );
  }
  const byKid = new Map<string, TrustedKey>();
  for (const key of [...stored, ...extra, ...shipped]) byKid.set(key.kid, key);
  return [...byKid.values()];
}

/** Records an operator-trusted key (for a private issuer); call inside the audited transaction. */
export async function storeTrustedKeys(db: Db, keys: TrustedKey[], now: Date): Promise<void> {
  for (const key of keys) {
    await db.run(
      'INSERT INTO license_trusted_keys (kid, alg, jwk, source, added_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kid) DO UPDATE SET alg = excluded.alg, jwk = excluded.jwk, source = excluded.source, added_at = excluded.added_at',
      [key.kid, key.alg, JSON.stringify(key.jwk), key.source, now.toISOString()],
    );
  }
}
