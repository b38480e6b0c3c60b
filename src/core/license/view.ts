import type { HealthStatus } from '../health/quorum.ts';
import type { Entitlements } from './entitlements.ts';
import type { VerifiedLicense } from './model.ts';

/** What is licensed, until when: never the token itself. */
export interface LicenseView {
  customer: string;
  issuer: string;
  tokenId: string | null;
  keyId: string;
  issuedAt: string;
  notBefore: string | null;
  expiresAt: string;
  graceDays: number;
  state: VerifiedLicense['state'];
  daysLeft: number;
  graceDaysLeft: number | null;
  capabilities: string[];
  limits: Entitlements['limits'];
  unknownEntitlements: Record<string, unknown>;
}

export function licenseView(license: VerifiedLicense, limits: Entitlements['limits']): LicenseView {
  const c = license.claims;
  return {
    customer: c.customer,
    issuer: c.issuer,
    tokenId: c.tokenId,
    keyId: license.kid,
    issuedAt: c.issuedAt,
    notBefore: c.notBefore,
    expiresAt: c.expiresAt,
    graceDays: c.graceDays,
    state: license.state,
    daysLeft: license.daysLeft,
    graceDaysLeft: license.graceDaysLeft,
    capabilities: c.capabilities,
    limits,
    unknownEntitlements: c.unknownEntitlements,
  };
}

/** `license show`: the mode MpegFlow runs in, its limits, and the license when one is installed. */
export interface LicenseShowResult {
  mode: Entitlements['mode'];
  problem: string | null;
  /** The system clock is behind a time MpegFlow has already seen. */
  clockWarning: string | null;
  capabilities: string[];
  limits: Entitlements['limits'];
  license: LicenseView | null;
}

/** `license verify`: a monitoring status with what it is about. */
export interface LicenseVerifyResult {
  status: HealthStatus;
  source: string;
  summary: string;
  license: LicenseView | null;
  error: { code: string; message: string; suggestion?: string } | null;
  clock: { rolledBack: boolean; systemTime: string; newestTimeSeen: string };
}
