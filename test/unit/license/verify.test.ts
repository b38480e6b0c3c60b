import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT, base64url } from 'jose';
import { parseKeyFile, type TrustedKey } from '../../../src/core/license/keys.ts';
import { verifyLicense } from '../../../src/core/license/verify.ts';
import { trustedTime } from '../../../src/core/license/clock.ts';
import { loadEntitlements, requireCapability, requireWithinLimit } from '../../../src/core/license/entitlements.ts';
import { installLicense } from '../../../src/core/license/store.ts';
import { AuditContext } from '../../../src/core/audit/context.ts';
import { freshStores } from '../../support/store.ts';
import { publicKeyOf, vendorKeygen, vendorSign } from '../../support/license.ts';

const DAY = 86_400_000;
const now = new Date('2026-11-25T12:00:00Z');
const issued = ['--issued-at', '2026-11-01T00:00:00Z'];

describe('license verification', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-license-'));
  let ed: ReturnType<typeof vendorKeygen>;
  let ec: ReturnType<typeof vendorKeygen>;
  let rogue: ReturnType<typeof vendorKeygen>;
  let keys: TrustedKey[];
  const nextStore = freshStores();
  after(() => rmSync(dir, { recursive: true, force: true }));

  before(() => {
    ed = vendorKeygen(dir, 'test-ed');
    ec = vendorKeygen(dir, 'test-ec', 'ES256');
    rogue = vendorKeygen(dir, 'rogue');
    keys = [...parseKeyFile(ed.publicJwks), ...parseKeyFile(ec.publicJwks)];
  });

  const reject = async (token: string, code: string, message: RegExp, at = now) => {
    await assert.rejects(verifyLicense({ token, keys, now: at }), (e: { code: string; message: string }) => {
      assert.equal(e.code, code, e.message);
      assert.match(e.message, message);
      return true;
    });
  };

  it('accepts EdDSA and ES256 licenses and reads their entitlements', async () => {
    for (const key of [ed, ec]) {
      const token = vendorSign(key.privateJwk, [
        ...issued,
        '--days',
        '365',
        '--limit',
        'concurrentEncodes=8',
        '--limit',
        'maxResolution=2160',
        '--limit',
        'gpus=2',
        '--capabilities',
        'encode,replication,health,ai-captions',
      ]);
      const license = await verifyLicense({ token, keys, now });
      assert.equal(license.state, 'valid');
      assert.equal(license.claims.customer, 'Studio Nord');
      assert.deepEqual(license.claims.capabilities, ['encode', 'replication', 'health']);
      assert.deepEqual(license.claims.limits, { concurrentEncodes: 8, maxResolution: 2160 });
      assert.deepEqual(license.claims.unknownEntitlements, { 'limits.gpus': 2, 'capability.ai-captions': true });
    }
  });

  it('expired, not yet valid, wrong audience', async () => {
    await reject(
      vendorSign(ed.privateJwk, ['--issued-at', '2025-01-01T00:00:00Z', '--days', '30']),
      'LICENSE_EXPIRED',
      /expired on 2025-01-31/,
    );
    await reject(
      vendorSign(ed.privateJwk, [...issued, '--not-before', '2027-01-01T00:00:00Z']),
      'LICENSE_NOT_YET_VALID',
      /not valid before 2027-01-01/,
    );
    await reject(vendorSign(ed.privateJwk, [...issued, '--audience', 'someone-else']), 'LICENSE_WRONG_AUDIENCE', /for 'someone-else'/);
  });

  it('unknown kid, untrusted key, tampered payload, tampered signature', async () => {
    await reject(vendorSign(rogue.privateJwk, issued), 'LICENSE_UNKNOWN_KEY', /key 'rogue'.*does not trust/);
    const good = vendorSign(ed.privateJwk, issued);
    const [h, p, s] = good.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    payload.exp = (payload.exp as number) + 10 * 365 * 86400;
    await reject(`${h}.${base64url.encode(JSON.stringify(payload))}.${s}`, 'LICENSE_BAD_SIGNATURE', /does not verify/);
    const sig = Buffer.from(s!, 'base64url');
    sig[5] = sig[5]! ^ 0x01;
    await reject(`${h}.${p}.${sig.toString('base64url')}`, 'LICENSE_BAD_SIGNATURE', /altered/);
    // a rogue key that claims a trusted kid
    const { importJWK } = await import('jose');
    const rogueKey = await importJWK(JSON.parse((await import('node:fs')).readFileSync(rogue.privateJwk, 'utf8')), 'EdDSA');
    const forged = await new SignJWT({ entitlements: { capabilities: ['encode'] } })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'test-ed' })
      .setIssuer('x')
      .setSubject('y')
      .setAudience('mpegflow')
      .setIssuedAt()
      .setExpirationTime('1y')
      .sign(rogueKey);
    await reject(forged, 'LICENSE_BAD_SIGNATURE', /signed by another key/);
  });

  it('alg none, HS256 signed with the public key as the secret, an algorithm the key is not for', async () => {
    const body = base64url.encode(JSON.stringify({ iss: 'x', sub: 'y', aud: 'mpegflow', iat: 1, exp: 4_000_000_000 }));
    await reject(`${base64url.encode(JSON.stringify({ alg: 'none', kid: 'test-ed' }))}.${body}.c2ln`, 'LICENSE_UNSIGNED', /not signed/);
    // the canonical unsigned JWT has an empty third part
    await reject(`${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${body}.`, 'LICENSE_UNSIGNED', /alg 'none'/);
    await reject(
      `${base64url.encode(JSON.stringify({ alg: 'RS256', kid: 'test-ed' }))}.${body}.c2ln`,
      'LICENSE_WRONG_ALG',
      /EdDSA or ES256 only/,
    );
    const publicJwk = publicKeyOf(ed.publicJwks);
    const hs = await new SignJWT({ entitlements: {} })
      .setProtectedHeader({ alg: 'HS256', kid: 'test-ed' })
      .setIssuer('x')
      .setSubject('y')
      .setAudience('mpegflow')
      .setIssuedAt()
      .setExpirationTime('1y')
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    await reject(hs, 'LICENSE_HMAC', /HS256/);
    const ecToken = vendorSign(ec.privateJwk, issued);
    const [, p, s] = ecToken.split('.');
    await reject(
      `${base64url.encode(JSON.stringify({ alg: 'ES256', kid: 'test-ed' }))}.${p}.${s}`,
      'LICENSE_WRONG_ALG',
      /signs only with EdDSA/,
    );
  });

  it('truncated, garbage, oversized, a JSON file', async () => {
    const good = vendorSign(ed.privateJwk, issued);
    await reject(good.slice(0, good.lastIndexOf('.')), 'LICENSE_TRUNCATED', /truncated/);
    await reject(good.slice(0, -10), 'LICENSE_TRUNCATED', /signature is 5\d of 64 bytes/);
    await reject(`${good.slice(0, good.lastIndexOf('.'))}.`, 'LICENSE_TRUNCATED', /signature is missing/);
    await reject(good.slice(0, 20), 'LICENSE_TRUNCATED', /1 of its 3 parts/);
    await reject(`${good}.AAAA.BBBB`, 'LICENSE_GARBAGE', /encrypted token \(JWE\)/);
    await reject('hello, I am a license', 'LICENSE_GARBAGE', /not a license token/);
    await reject(`${good}.${'A'.repeat(20_000)}`, 'LICENSE_TOO_LARGE', /more than a license can be/);
    await reject(JSON.stringify({ license: good }), 'LICENSE_IS_JSON', /JSON document/);
  });

  it('expiring soon and grace period, judged with an injected clock', async () => {
    const token = vendorSign(ed.privateJwk, [...issued, '--days', '60', '--grace-days', '14']);
    const at = (days: number) => new Date(Date.parse('2026-11-01T00:00:00Z') + days * DAY);
    assert.equal((await verifyLicense({ token, keys, now: at(10) })).state, 'valid');
    const expiring = await verifyLicense({ token, keys, now: at(45) });
    assert.deepEqual([expiring.state, expiring.daysLeft], ['expiring', 15]);
    const grace = await verifyLicense({ token, keys, now: at(65) });
    assert.deepEqual([grace.state, grace.graceDaysLeft], ['grace', 9]);
    await reject(token, 'LICENSE_EXPIRED', /grace period ended/, at(75));
  });

  it('turning the clock back does not revive an expired license', async () => {
    const db = await nextStore();
    const token = vendorSign(ed.privateJwk, [...issued, '--days', '30']);
    const t1 = await trustedTime(db, new Date('2026-12-15T00:00:00Z'));
    assert.equal(t1.rolledBack, false);
    await assert.rejects(verifyLicense({ token, keys, now: t1.now }), /expired/);
    const back = await trustedTime(db, new Date('2026-11-10T00:00:00Z'));
    assert.equal(back.rolledBack, true);
    assert.equal(back.now.toISOString(), '2026-12-15T00:00:00.000Z', 'judged at the newest time seen');
    await assert.rejects(verifyLicense({ token, keys, now: back.now }), /expired/);
    assert.equal((await trustedTime(db, new Date('2026-12-14T23:55:00Z'))).rolledBack, false, 'a few minutes of drift is tolerated');
  });

  it('entitlements: community mode without a license, the license when installed, refusals name the entitlement', async () => {
    const db = await nextStore();
    const community = await loadEntitlements({ db, keysDir: dir, now: () => now });
    assert.equal(community.mode, 'community');
    assert.throws(() => requireCapability(community, 'replication'), /replication is not included in community mode/);
    assert.throws(() => requireWithinLimit(community, 'concurrentEncodes', 4), /concurrentEncodes limit of 1/);
    const token = vendorSign(ed.privateJwk, [...issued, '--limit', 'concurrentEncodes=4']);
    await installLicense({ db, audit: new AuditContext('license install', []), token, trust: parseKeyFile(ed.publicJwks), now: () => now });
    const licensed = await loadEntitlements({ db, now: () => now });
    assert.equal(licensed.mode, 'licensed');
    requireCapability(licensed, 'replication');
    requireWithinLimit(licensed, 'concurrentEncodes', 4);
  });
});
