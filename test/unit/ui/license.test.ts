import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LicenseView } from '../../../src/core/license/view.ts';
import { renderLicenseShow, renderLicenseVerify } from '../../../src/ui/license.ts';

const limits = { concurrentEncodes: 8, endpoints: 10, maxResolution: 2160 };
const view: LicenseView = {
  customer: 'Acme',
  issuer: 'vendor',
  tokenId: 'lic-1',
  keyId: 'k1',
  issuedAt: '2026-01-01T00:00:00Z',
  notBefore: null,
  expiresAt: '2026-02-01T00:00:00Z',
  graceDays: 14,
  state: 'expiring',
  daysLeft: 5,
  graceDaysLeft: null,
  capabilities: ['encode', 'replicate'],
  limits,
  unknownEntitlements: {},
};

describe('license rendering', () => {
  it('shows a license and how to renew it when it runs out', () => {
    const text = renderLicenseShow({ mode: 'licensed', problem: null, clockWarning: null, capabilities: [], limits, license: view });
    assert.match(text, /^Licensed to Acme: valid, EXPIRES in 5 day\(s\) \(2026-02-01\)\.$/m);
    assert.match(text, /^Max resolution\s+2160p$/m);
    assert.match(text, /^Renew: .* 14 days after it expires MpegFlow falls back to community mode\.$/m);
  });

  it('shows community mode and how to leave it', () => {
    const text = renderLicenseShow({
      mode: 'community',
      problem: null,
      clockWarning: null,
      capabilities: ['encode'],
      limits,
      license: null,
    });
    assert.match(text, /^Community mode \(no license installed\)\.$/m);
    assert.match(text, /Install a license with `mpegflow license install FILE`\.$/);
  });

  it('leads a verification with its monitoring status and what to try', () => {
    const text = renderLicenseVerify({
      status: 'UNKNOWN',
      source: 'installed',
      summary: 'no license installed',
      license: null,
      error: { code: 'NO_LICENSE', message: 'none', suggestion: 'install one' },
      clock: { rolledBack: false, systemTime: 't', newestTimeSeen: 't' },
    });
    assert.equal(text, 'LICENSE UNKNOWN: no license installed\n  Try: install one');
  });
});
