import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { MpegflowError } from '../errors.ts';
import { KNOWN_CAPABILITIES, type LicenseClaims, type LicenseState, type Limits, type VerifiedLicense } from './model.ts';
import type { TrustedKey } from './keys.ts';

export const MAX_TOKEN_BYTES = 16 * 1024;
export const AUDIENCE = 'mpegflow';
export const EXPIRING_DAYS = 30;
const DAY_MS = 86_400_000;
const CLOCK_SKEW_S = 300;
const KNOWN_LIMITS = ['concurrentEncodes', 'endpoints', 'maxResolution'] as const;

function invalid(code: string, message: string, suggestion = 'ask your MpegFlow vendor for a new license file'): MpegflowError {
  return new MpegflowError(message, { code, suggestion, exitCode: 2 });
}

/** Cheap checks before any parsing: size, a JSON file given by mistake, the shape of a compact JWS. */
function checkShape(raw: string): string {
  if (Buffer.byteLength(raw) > MAX_TOKEN_BYTES)
    throw invalid(
      'LICENSE_TOO_LARGE',
      `the license is ${Buffer.byteLength(raw)} bytes, more than a license can be (${MAX_TOKEN_BYTES})`,
      'check that you gave the license file, not another file',
    );
  const token = raw.trim();
  if (!token) throw invalid('LICENSE_EMPTY', 'the license file is empty');
  if (token.startsWith('{') || token.startsWith('[')) {
    throw invalid(
      'LICENSE_IS_JSON',
      'this is a JSON document, not a license token',
      'the license is the single line of text (three dot-separated parts) the vendor sent, not a JSON file',
    );
  }
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]+$/.test(p))) {
    throw invalid(
      parts.length > 1 && parts.length < 3 ? 'LICENSE_TRUNCATED' : 'LICENSE_GARBAGE',
      parts.length > 1 && parts.length < 3
        ? 'the license token is truncated (it has fewer than three parts)'
        : 'this is not a license token',
      'copy the whole license file again; it is one line of three dot-separated parts',
    );
  }
  return token;
}

function header(token: string): { alg?: string; kid?: string } {
  try {
    return decodeProtectedHeader(token);
  } catch {
    throw invalid('LICENSE_GARBAGE', 'the license token header cannot be read', 'copy the whole license file again');
  }
}

const asDate = (seconds: unknown): string | null =>
  typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : null;

function readClaims(payload: Record<string, unknown>): LicenseClaims {
  const ent = (payload.entitlements ?? {}) as Record<string, unknown>;
  const capabilities = Array.isArray(ent.capabilities) ? ent.capabilities.map(String) : [];
  const rawLimits = (ent.limits ?? {}) as Record<string, unknown>;
  const limits: Partial<Limits> = {};
  const unknownEntitlements: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rawLimits)) {
    if ((KNOWN_LIMITS as readonly string[]).includes(key) && typeof value === 'number') limits[key as keyof Limits] = value;
    else unknownEntitlements[`limits.${key}`] = value;
  }
  for (const capability of capabilities)
    if (!(KNOWN_CAPABILITIES as readonly string[]).includes(capability)) unknownEntitlements[`capability.${capability}`] = true;
  for (const [key, value] of Object.entries(ent)) if (key !== 'capabilities' && key !== 'limits') unknownEntitlements[key] = value;
  const expiresAt = asDate(payload.exp);
  const issuedAt = asDate(payload.iat);
  if (!expiresAt || !issuedAt || typeof payload.sub !== 'string' || typeof payload.iss !== 'string') {
    throw invalid('LICENSE_CLAIMS', 'the license lacks required claims (iss, sub, iat, exp)');
  }
  return {
    issuer: payload.iss,
    customer: payload.sub,
    tokenId: typeof payload.jti === 'string' ? payload.jti : null,
    issuedAt,
    notBefore: asDate(payload.nbf),
    expiresAt,
    graceDays: typeof payload.grace_days === 'number' && payload.grace_days > 0 ? payload.grace_days : 0,
    capabilities: capabilities.filter((c) => (KNOWN_CAPABILITIES as readonly string[]).includes(c)),
    limits,
    unknownEntitlements,
  };
}

export interface VerifyOptions {
  token: string;
  keys: TrustedKey[];
  /** The trustworthy "now" (see clock.ts): never earlier than the newest time seen. */
  now: Date;
}

/**
 * Verifies a license offline: shape and size first, then the header (the
 * algorithm must be the one the `kid`'s key is pinned to: no `none`, no
 * HMAC), then the signature with jose, then the claims against `now`.
 */
export async function verifyLicense({ token: raw, keys, now }: VerifyOptions): Promise<VerifiedLicense> {
  const token = checkShape(raw);
  const { alg, kid } = header(token);
  if (!alg || alg === 'none')
    throw invalid(
      'LICENSE_UNSIGNED',
      "the license is not signed (alg 'none')",
      'only licenses signed by the vendor are accepted; ask for a signed one',
    );
  if (/^HS/.test(alg))
    throw invalid(
      'LICENSE_HMAC',
      `the license uses ${alg}, a shared-secret algorithm MpegFlow never accepts`,
      'licenses are signed with EdDSA or ES256 public keys; this token was not made by the vendor',
    );
  if (!kid) throw invalid('LICENSE_NO_KID', 'the license does not name its signing key (no kid)');
  const key = keys.find((k) => k.kid === kid);
  if (!key) {
    throw invalid(
      'LICENSE_UNKNOWN_KEY',
      `the license is signed by key '${kid}', which this installation does not trust`,
      'update MpegFlow (newer releases ship newer keys), or for a private issuer trust its public key with --trusted-key FILE',
    );
  }
  if (alg !== key.alg) throw invalid('LICENSE_WRONG_ALG', `the license uses ${alg}, but key '${kid}' signs only with ${key.alg}`);

  let payload: Record<string, unknown>;
  try {
    const verified = await compactVerify(token, await importJWK(key.jwk, key.alg), { algorithms: [key.alg] });
    payload = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
  } catch {
    throw invalid(
      'LICENSE_BAD_SIGNATURE',
      `the license signature does not verify with key '${kid}': it was altered or cut short, or signed by another key`,
      'use the license file exactly as the vendor sent it',
    );
  }

  const aud = payload.aud;
  if (!(aud === AUDIENCE || (Array.isArray(aud) && aud.includes(AUDIENCE)))) {
    throw invalid('LICENSE_WRONG_AUDIENCE', `the license is for '${Array.isArray(aud) ? aud.join(', ') : String(aud)}', not for MpegFlow`);
  }
  const claims = readClaims(payload);
  const nowMs = now.getTime();
  if (claims.notBefore && nowMs + CLOCK_SKEW_S * 1000 < Date.parse(claims.notBefore)) {
    throw invalid(
      'LICENSE_NOT_YET_VALID',
      `the license is not valid before ${claims.notBefore}`,
      "install it on or after that date, or check this host's clock",
    );
  }
  const expires = Date.parse(claims.expiresAt);
  const graceEnds = expires + claims.graceDays * DAY_MS;
  if (nowMs > graceEnds) {
    throw invalid(
      'LICENSE_EXPIRED',
      `the license for ${claims.customer} expired on ${claims.expiresAt}${claims.graceDays ? ` and its ${claims.graceDays}-day grace period ended` : ''}`,
      'ask your MpegFlow vendor to renew it',
    );
  }
  const daysLeft = Math.floor((expires - nowMs) / DAY_MS);
  const state: LicenseState = nowMs > expires ? 'grace' : daysLeft < EXPIRING_DAYS ? 'expiring' : 'valid';
  return {
    kid,
    alg,
    keySource: key.source,
    claims,
    state,
    daysLeft: Math.max(0, daysLeft),
    graceDaysLeft: state === 'grace' ? Math.ceil((graceEnds - nowMs) / DAY_MS) : null,
  };
}
