import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { shippedKeys, shippedKeysDir } from '../../../src/core/license/keys.ts';
import { verifyLicense } from '../../../src/core/license/verify.ts';
import { repoRoot } from '../../support/cli.ts';

/**
 * The vendor's current key ships in keys/, and only keys whose private halves
 * exist: the evaluation license the vendor issued (test/fixtures, a copy of
 * the vendor's evaluation.license) verifies with the shipped keys alone.
 */
describe('shipped vendor keys', () => {
  const token = readFileSync(path.join(repoRoot, 'test', 'fixtures', 'licenses', 'evaluation.license'), 'utf8');

  it('keys/ holds exactly the vendor key mpegflow-vendor-1 (EdDSA)', () => {
    assert.equal(shippedKeysDir(), path.join(repoRoot, 'keys'));
    assert.deepEqual(
      shippedKeys().map((k) => [k.kid, k.alg, k.source]),
      [['mpegflow-vendor-1', 'EdDSA', 'shipped']],
    );
  });

  it('the evaluation license verifies with the shipped keys alone', async () => {
    // issued 2026-11-25T20:12:05Z for one year: judged a day after issue, whatever today's date
    const issuedAt = Date.UTC(2026, 10, 25, 20, 12, 5);
    const verified = await verifyLicense({ token, keys: shippedKeys(), now: new Date(issuedAt + 24 * 3600_000) });
    assert.equal(verified.kid, 'mpegflow-vendor-1');
    assert.equal(verified.keySource, 'shipped');
    assert.equal(verified.state, 'valid');
    assert.equal(verified.claims.issuer, 'MpegFlow');
    assert.equal(verified.claims.customer, 'MpegFlow evaluation');
    assert.equal(verified.claims.issuedAt, '2026-11-25T20:12:05.000Z');
    assert.equal(verified.claims.expiresAt, '2027-11-25T20:12:05.000Z');
    assert.deepEqual(verified.claims.capabilities, ['encode', 'replication', 'health']);
    assert.deepEqual(verified.claims.limits, { concurrentEncodes: 8, endpoints: 50, maxResolution: 2160 });
  });

  it('and not without them', async () => {
    await assert.rejects(
      verifyLicense({ token, keys: [], now: new Date(Date.UTC(2026, 10, 26)) }),
      (e: Error & { code?: string }) => e.code === 'LICENSE_UNKNOWN_KEY',
    );
  });
});
