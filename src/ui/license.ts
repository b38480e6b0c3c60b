import type { Entitlements } from '../core/license/entitlements.ts';
import type { VerifiedLicense } from '../core/license/model.ts';
import { renderFields } from './table.ts';

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

export function describeState(view: LicenseView): string {
  if (view.state === 'grace') return `EXPIRED on ${view.expiresAt.slice(0, 10)}, in grace: ${view.graceDaysLeft} day(s) left`;
  if (view.state === 'expiring') return `valid, EXPIRES in ${view.daysLeft} day(s) (${view.expiresAt.slice(0, 10)})`;
  return `valid until ${view.expiresAt.slice(0, 10)} (${view.daysLeft} days left)`;
}

/** What to do when a license is running out, or null while it is not. */
export function renewalAdvice(view: LicenseView): string | null {
  if (view.state === 'valid') return null;
  const after =
    view.state === 'grace' ? 'when the grace period ends' : view.graceDays ? `${view.graceDays} days after it expires` : 'when it expires';
  return `Renew: ask your MpegFlow vendor for a new license and install it with \`mpegflow license install FILE\`; ${after} MpegFlow falls back to community mode.`;
}

export function renderLicense(view: LicenseView): string {
  const unknown = Object.entries(view.unknownEntitlements);
  return renderFields([
    ['Customer', view.customer],
    ['Status', describeState(view)],
    ['Capabilities', view.capabilities.join(', ')],
    ['Concurrent encodes', view.limits.concurrentEncodes],
    ['Endpoints', view.limits.endpoints],
    ['Max resolution', `${view.limits.maxResolution}p`],
    ['Grace period', view.graceDays ? `${view.graceDays} days` : 'none'],
    ['Issued', `${view.issuedAt} by ${view.issuer} (key ${view.keyId})`],
    ['License id', view.tokenId],
    ...(unknown.length
      ? ([['Other entitlements', unknown.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')]] as [string, string][])
      : []),
  ]);
}
