import type { LicenseShowResult, LicenseVerifyResult, LicenseView } from '../core/license/view.ts';
import { renderFields } from './table.ts';

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

/** `license install`. */
export function renderInstalled(view: LicenseView): string {
  return `License for ${view.customer} installed: ${describeState(view)}.\n${renderLicense(view)}`;
}

/** `license remove`. */
export function renderLicenseRemoved(): string {
  return 'License removed; MpegFlow runs in community mode.';
}

/** `license show`: the license and what to do when it runs out, or community mode and its limits. */
export function renderLicenseShow(result: LicenseShowResult): string {
  if (result.license) {
    const advice = renewalAdvice(result.license);
    return [
      `Licensed to ${result.license.customer}: ${describeState(result.license)}.`,
      renderLicense(result.license),
      ...(advice ? [advice] : []),
    ].join('\n');
  }
  return [
    `Community mode${result.problem ? `: ${result.problem}` : ' (no license installed)'}.`,
    renderFields([
      ['Capabilities', result.capabilities.join(', ')],
      ['Concurrent encodes', result.limits.concurrentEncodes],
      ['Endpoints', result.limits.endpoints],
      ['Max resolution', `${result.limits.maxResolution}p`],
    ]),
    'Install a license with `mpegflow license install FILE`.',
  ].join('\n');
}

/** `license verify`: the monitoring status line, what to try, and the license when there is one. */
export function renderLicenseVerify(result: LicenseVerifyResult): string {
  const lines = [`LICENSE ${result.status}: ${result.summary}`];
  if (result.error?.suggestion) lines.push(`  Try: ${result.error.suggestion}`);
  if (result.license) {
    lines.push(renderLicense(result.license));
    const advice = renewalAdvice(result.license);
    if (advice) lines.push(advice);
  }
  return lines.join('\n');
}
