import type { ErrorCode } from '../error-codes.ts';
import { MpegflowError } from '../errors.ts';

/** No license is bigger than this; anything larger is refused before any parsing. */
export const MAX_TOKEN_BYTES = 16 * 1024;
export const AUDIENCE = 'mpegflow';
/** A license ending within this many days is reported as expiring (monitoring WARNING). */
export const EXPIRING_DAYS = 30;
/** The algorithms a license may be signed with; each trusted key is pinned to one of them. */
export const LICENSE_ALGS = ['EdDSA', 'ES256'] as const;
export type LicenseAlg = (typeof LICENSE_ALGS)[number];

export const KNOWN_CAPABILITIES = ['encode', 'replication', 'health'] as const;
export type Capability = (typeof KNOWN_CAPABILITIES)[number];
export const KNOWN_LIMITS = ['concurrentEncodes', 'endpoints', 'maxResolution'] as const;

export interface Limits {
  concurrentEncodes: number;
  endpoints: number;
  /** Highest output picture height, in lines (1080, 2160...). */
  maxResolution: number;
}

export interface LicenseClaims {
  issuer: string;
  customer: string;
  tokenId: string | null;
  issuedAt: string;
  notBefore: string | null;
  expiresAt: string;
  graceDays: number;
  capabilities: string[];
  limits: Partial<Limits>;
  /** Entitlements this version does not know: kept and shown, never fatal. */
  unknownEntitlements: Record<string, unknown>;
}

/** OK: valid; EXPIRING: valid, ends within 30 days; GRACE: expired but inside the grace period. */
export type LicenseState = 'valid' | 'expiring' | 'grace';

export interface VerifiedLicense {
  kid: string;
  alg: string;
  keySource: string;
  claims: LicenseClaims;
  state: LicenseState;
  daysLeft: number;
  /** Days left in the grace period, when in it. */
  graceDaysLeft: number | null;
}

/** What running without a license allows: documented in the README. */
export const COMMUNITY: { capabilities: Capability[]; limits: Limits } = {
  capabilities: ['encode', 'health'],
  limits: { concurrentEncodes: 1, endpoints: 10, maxResolution: 1080 },
};

/**
 * A license that is not valid (bad signature, expired, malformed...): exit 2,
 * CRITICAL for `license verify`. `code` names the reason for --json readers.
 */
export function invalidLicense(
  code: ErrorCode,
  message: string,
  suggestion = 'ask your MpegFlow vendor for a new license file',
): MpegflowError {
  return new MpegflowError(message, { code, suggestion, details: { invalidLicense: true } });
}

export function isInvalidLicense(error: unknown): error is MpegflowError {
  return error instanceof MpegflowError && error.details?.invalidLicense === true;
}
