import { compactVerify, importJWK } from 'jose';
import {
  AUDIENCE,
  EXPIRING_DAYS,
  invalidLicense as invalid,
  KNOWN_CAPABILITIES,
  KNOWN_LIMITS,
  LICENSE_ALGS,
  MAX_TOKEN_BYTES,
  type LicenseClaims,
  type LicenseState,
  type Limits,
  type VerifiedLicense,
} from './model.ts';
import { licensePayload } from './claims.ts';
import type { TrustedKey } from './keys.ts';

export { AUDIENCE, EXPIRING_DAYS, MAX_TOKEN_BYTES } from './model.ts';

const DAY_MS = 86_400_000;
/** How far ahead of "now" a not-before date may be (hosts' clocks differ a little). */
const CLOCK_SKEW_MS = 5 * 60_000;
/** Raw signature sizes: Ed25519 and ECDSA P-256 (r||s) are both 64 bytes. */
const SIGNATURE_BYTES: Record<string, number> = { EdDSA: 64, ES256: 64 };
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const COPY_AGAIN = 'copy the whole license file again; it is one line of three dot-separated parts';

/** A value from an unverified header, safe to put in a message: printable and short. */
function shown(value: unknown): string {
  const text = String(value).replace(/[^\x20-\x7e]/g, '?');
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks that cost nothing and come before any parsing: size, a JSON file
 * given by mistake, the three base64url parts of a compact JWS, a readable
 * header. Returns the token and its decoded header.
 */
function splitToken(raw: string): { token: string; parts: [string, string, string]; header: Record<string, unknown> } {
  const bytes = Buffer.byteLength(raw);
  if (bytes > MAX_TOKEN_BYTES)
    throw invalid(
      'LICENSE_TOO_LARGE',
      `the license is ${bytes} bytes, more than a license can be (${MAX_TOKEN_BYTES})`,
      'check that you gave the license file, not another file',
    );
  const token = raw.trim();
  if (!token) throw invalid('LICENSE_EMPTY', 'the license file is empty', COPY_AGAIN);
  if (/^[{["]/.test(token))
    throw invalid(
      'LICENSE_IS_JSON',
      'this is a JSON document, not a license token',
      'the license is the single line of text (three dot-separated parts) the vendor sent, not a JSON file',
    );
  const parts = token.split('.');
  // a JWS starts with a base64url JSON header ('{' after any whitespace)
  const looksLikeJws =
    parts.every((p) => BASE64URL.test(p)) &&
    Buffer.from(parts[0] ?? '', 'base64url')
      .toString('utf8')
      .trimStart()
      .startsWith('{');
  if (parts.length < 3 && looksLikeJws)
    throw invalid('LICENSE_TRUNCATED', `the license token is truncated: it has ${parts.length} of its 3 parts`, COPY_AGAIN);
  if (parts.length !== 3 || !looksLikeJws) {
    throw invalid(
      'LICENSE_GARBAGE',
      parts.length === 5 && looksLikeJws ? 'this is an encrypted token (JWE), not a signed license' : 'this is not a license token',
      COPY_AGAIN,
    );
  }
  const header = decodeJson(parts[0]!);
  if (!isObject(header)) throw invalid('LICENSE_GARBAGE', 'the license token header cannot be read', COPY_AGAIN);
  return { token, parts: parts as [string, string, string], header };
}

function readLimits(raw: Record<string, unknown>, unknown: Record<string, unknown>): Partial<Limits> {
  const limits: Partial<Limits> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(KNOWN_LIMITS as readonly string[]).includes(key)) {
      unknown[`limits.${key}`] = value;
      continue;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
      throw invalid('LICENSE_CLAIMS', `the license's ${key} limit (${shown(JSON.stringify(value))}) is not a whole number`);
    limits[key as keyof Limits] = value;
  }
  return limits;
}

/** The claims of a verified payload; required ones missing or malformed make the license invalid. */
function readClaims(value: Record<string, unknown>): LicenseClaims {
  const parsed = licensePayload.safeParse(value);
  if (!parsed.success) throw invalid('LICENSE_CLAIMS', parsed.error.issues[0]!.message);
  const payload = parsed.data;
  const ent = payload.entitlements;
  const capabilities = ent.capabilities ?? [];
  /** Entitlements this version does not know: kept and shown, never fatal. */
  const unknownEntitlements: Record<string, unknown> = {};
  const limits = readLimits(ent.limits ?? {}, unknownEntitlements);
  for (const capability of capabilities)
    if (!(KNOWN_CAPABILITIES as readonly string[]).includes(capability)) unknownEntitlements[`capability.${capability}`] = true;
  for (const [key, value] of Object.entries(ent)) if (key !== 'capabilities' && key !== 'limits') unknownEntitlements[key] = value;
  const time = (seconds: number) => new Date(seconds * 1000).toISOString();
  return {
    issuer: payload.iss,
    customer: payload.sub,
    tokenId: payload.jti ?? null,
    issuedAt: time(payload.iat),
    notBefore: payload.nbf === undefined ? null : time(payload.nbf),
    expiresAt: time(payload.exp),
    graceDays: payload.grace_days,
    capabilities: [...new Set(capabilities.filter((c) => (KNOWN_CAPABILITIES as readonly string[]).includes(c)))],
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
 * Verifies a license offline. In order: size and shape (before any
 * parsing), the header (no `none`, no HMAC, a `kid` this installation
 * trusts, and exactly the algorithm that key is pinned to), the signature
 * (jose), then the audience, the claims and the dates against `now`.
 * Every refusal is an `invalidLicense` error with its own code.
 */
export async function verifyLicense({ token: raw, keys, now }: VerifyOptions): Promise<VerifiedLicense> {
  const { token, parts, header } = splitToken(raw);
  const { alg, kid } = header;
  if (alg === undefined || alg === 'none' || alg === null || alg === '')
    throw invalid(
      'LICENSE_UNSIGNED',
      "the license is not signed (alg 'none')",
      'only licenses signed by the vendor are accepted; ask for a signed one',
    );
  if (typeof alg !== 'string') throw invalid('LICENSE_GARBAGE', 'the license token header names no algorithm', COPY_AGAIN);
  if (/^HS/i.test(alg))
    throw invalid(
      'LICENSE_HMAC',
      `the license uses ${shown(alg)}, a shared-secret algorithm MpegFlow never accepts`,
      'licenses are signed with EdDSA or ES256 public keys; this token was not made by the vendor',
    );
  if (!(LICENSE_ALGS as readonly string[]).includes(alg))
    throw invalid('LICENSE_WRONG_ALG', `the license uses ${shown(alg)}; licenses are signed with ${LICENSE_ALGS.join(' or ')} only`);
  if (typeof kid !== 'string' || !kid) throw invalid('LICENSE_NO_KID', 'the license does not name its signing key (no kid)');
  const key = keys.find((k) => k.kid === kid);
  if (!key) {
    throw invalid(
      'LICENSE_UNKNOWN_KEY',
      `the license is signed by key '${shown(kid)}', which this installation does not trust`,
      'update MpegFlow (newer releases ship newer keys), or for a private issuer trust its public key with --trusted-key FILE',
    );
  }
  if (alg !== key.alg) throw invalid('LICENSE_WRONG_ALG', `the license uses ${alg}, but key '${kid}' signs only with ${key.alg}`);
  if (!parts[1]) throw invalid('LICENSE_TRUNCATED', 'the license token is truncated: it has no contents', COPY_AGAIN);
  const signatureBytes = Buffer.from(parts[2], 'base64url').length;
  if (signatureBytes < SIGNATURE_BYTES[alg]!)
    throw invalid(
      'LICENSE_TRUNCATED',
      signatureBytes === 0
        ? 'the license token is truncated: its signature is missing'
        : `the license token is truncated: its signature is ${signatureBytes} of ${SIGNATURE_BYTES[alg]} bytes`,
      COPY_AGAIN,
    );

  let payload: unknown;
  try {
    const verified = await compactVerify(token, await importJWK(key.jwk, key.alg), { algorithms: [key.alg] });
    payload = JSON.parse(new TextDecoder().decode(verified.payload));
  } catch {
    throw invalid(
      'LICENSE_BAD_SIGNATURE',
      `the license signature does not verify with key '${kid}': its contents or its signature were altered after signing, or it was signed by another key`,
      'use the license file exactly as the vendor sent it; if it is, ask the vendor for a new copy',
    );
  }
  if (!isObject(payload)) throw invalid('LICENSE_CLAIMS', 'the license contents are not a set of claims');

  const aud = payload.aud;
  if (!(aud === AUDIENCE || (Array.isArray(aud) && aud.includes(AUDIENCE)))) {
    throw invalid(
      'LICENSE_WRONG_AUDIENCE',
      aud === undefined
        ? `the license names no audience, so it is not for MpegFlow (audience '${AUDIENCE}')`
        : `the license is for '${shown(Array.isArray(aud) ? aud.join(', ') : aud)}', not for MpegFlow (audience '${AUDIENCE}')`,
      'this license belongs to another product; ask your vendor for an MpegFlow license',
    );
  }
  const claims = readClaims(payload);
  const nowMs = now.getTime();
  if (claims.notBefore && nowMs + CLOCK_SKEW_MS < Date.parse(claims.notBefore)) {
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
      'ask your MpegFlow vendor to renew it; until then MpegFlow runs in community mode',
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
