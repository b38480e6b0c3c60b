export const KNOWN_CAPABILITIES = ['encode', 'replication', 'health'] as const;
export type Capability = (typeof KNOWN_CAPABILITIES)[number];

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
