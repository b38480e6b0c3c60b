import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT, importJWK, type JWK } from 'jose';
import { AuditContext } from '../../../src/core/audit/context.ts';
import { ROLLBACK_TOLERANCE_MS, trustedTime } from '../../../src/core/license/clock.ts';
import { limitFor, loadEntitlements, requireCapability, requireWithinLimit } from '../../../src/core/license/entitlements.ts';
import { mergeKeys, parseKeyFile, type TrustedKey } from '../../../src/core/license/keys.ts';
import { COMMUNITY } from '../../../src/core/license/model.ts';
import { checkToken, installedToken, installLicense, removeLicense } from '../../../src/core/license/store.ts';
import { verifyLicense } from '../../../src/core/license/verify.ts';
import { freshStores } from '../../support/store.ts';
import { publicKeyOf, vendorKeygen, vendorSign } from '../../support/license.ts';

const DAY = 86_400_000;
const issuedAt = '2026-11-01T00:00:00Z';
const at = (days: number) => new Date(Date.parse(issuedAt) + days * DAY);
const issued = ['--issued-at', issuedAt];

describe('license claims, keys, clock and enforcement', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-license-enf-'));
  /** An empty shipped-keys folder: these tests trust only keys they make. */
  const noShipped = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-no-shipped-'));
  const nextStore = freshStores();
  let ed: ReturnType<typeof vendorKeygen>;
  let keys: TrustedKey[];
  let signWith: (payload: Record<string, unknown>) => Promise<string>;
  after(() => [dir, noShipped].forEach((d) => rmSync(d, { recursive: true, force: true })));

  before(async () => {
    ed = vendorKeygen(dir, 'enf-ed');
    keys = parseKeyFile(ed.publicJwks);
    const jwk = JSON.parse(readFileSync(ed.privateJwk, 'utf8')) as JWK;
    const key = await importJWK(jwk, 'EdDSA');
    signWith = (payload) => new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', kid: 'enf-ed' }).sign(key);
  });

  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: 'vendor',
    sub: 'Studio Nord',
    aud: 'mpegflow',
    iat: Date.parse(issuedAt) / 1000,
    exp: at(365).getTime() / 1000,
    entitlements: { capabilities: ['encode'] },
    ...extra,
  });
  const rejects = async (token: string, code: string, message: RegExp) =>
    assert.rejects(verifyLicense({ token, keys, now: at(1) }), (e: { code: string; message: string }) => {
      assert.equal(e.code, code, e.message);
      assert.match(e.message, message);
      return true;
    });

  it('malformed claims are refused by name; unknown entitlements are kept', async () => {
    await rejects(await signWith(claims({ entitlements: undefined })), 'LICENSE_CLAIMS', /no 'entitlements'/);
    await rejects(await signWith(claims({ aud: undefined })), 'LICENSE_WRONG_AUDIENCE', /names no audience/);
    await rejects(await signWith(claims({ sub: '' })), 'LICENSE_CLAIMS', /'sub' claim \(customer\)/);
    await rejects(await signWith(claims({ exp: 'soon' })), 'LICENSE_CLAIMS', /'exp' claim/);
    await rejects(await signWith(claims({ grace_days: -3 })), 'LICENSE_CLAIMS', /grace period/);
    await rejects(await signWith(claims({ entitlements: { limits: { endpoints: 2.5 } } })), 'LICENSE_CLAIMS', /endpoints limit \(2\.5\)/);
    await rejects(await signWith(claims({ entitlements: { capabilities: 'encode' } })), 'LICENSE_CLAIMS', /not a list/);
    const license = await verifyLicense({
      token: await signWith(
        claims({
          aud: ['other', 'mpegflow'],
          entitlements: { capabilities: ['encode', 'encode', 'hdr'], limits: { gpus: 2 }, region: 'eu' },
        }),
      ),
      keys,
      now: at(1),
    });
    assert.deepEqual(license.claims.capabilities, ['encode']);
    assert.deepEqual(license.claims.unknownEntitlements, { 'limits.gpus': 2, 'capability.hdr': true, region: 'eu' });
  });

  it('the vendor script writes the compact --entitlements form as capabilities and limits', async () => {
    const token = vendorSign(ed.privateJwk, [
      ...issued,
      '--entitlements',
      'encode,replication,concurrentEncodes=6,endpoints=40',
      '--grace-days',
      '7',
    ]);
    const license = await verifyLicense({ token, keys, now: at(1) });
    assert.deepEqual(license.claims.capabilities, ['encode', 'replication']);
    assert.deepEqual(license.claims.limits, { concurrentEncodes: 6, endpoints: 40 });
    assert.equal(license.claims.graceDays, 7);
  });

  it('key files: public, pinned, signing keys of the right curve only', () => {
    const write = (name: string, content: unknown) => {
      const file = path.join(dir, name);
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      return file;
    };
    const pub = publicKeyOf(ed.publicJwks);
    const refused: [unknown, RegExp][] = [
      [JSON.parse(readFileSync(ed.privateJwk, 'utf8')), /holds a private key/],
      [{ kty: 'oct', k: 'c2VjcmV0', kid: 'h', alg: 'HS256' }, /is for HS256/],
      [{ ...pub, alg: 'ES256' }, /not an ES256 public key .*P-256/],
      [{ ...pub, use: 'enc' }, /not a signing key/],
      [{ ...pub, kid: undefined }, /no kid or no alg/],
      [{ keys: [] }, /holds no keys/],
      ['-----BEGIN PUBLIC KEY-----', /it is not JSON/],
    ];
    refused.forEach(([content, message], i) => assert.throws(() => parseKeyFile(write(`bad-${i}.json`, content)), message));
    assert.throws(() => parseKeyFile(path.join(dir, 'missing.json')), /no such file/);
    assert.throws(() => parseKeyFile(dir), /it is a folder/);
  });

  it('a trusted key may not take a shipped key id; a new key replaces a stored one of its id', () => {
    const shipped = parseKeyFile(ed.publicJwks).map((k) => ({ ...k, source: 'shipped' }));
    const other = vendorKeygen(dir, 'other');
    const impostor = parseKeyFile(other.publicJwks).map((k) => ({ ...k, kid: 'enf-ed', jwk: { ...k.jwk, kid: 'enf-ed' } }));
    assert.throws(() => mergeKeys(shipped, [], impostor), /not the key MpegFlow ships under that id/);
    assert.deepEqual(mergeKeys(shipped, [], shipped), shipped, 'the same key again is harmless');
    const stored = parseKeyFile(other.publicJwks).map((k) => ({ ...k, kid: 'private', source: 'old.json' }));
    const rotated = parseKeyFile(ed.publicJwks).map((k) => ({ ...k, kid: 'private', source: 'new.json' }));
    assert.equal(mergeKeys([], stored, rotated)[0]?.source, 'new.json');
    assert.equal(mergeKeys(shipped, impostor, [])[0]?.source, 'shipped', 'a stored key never shadows a shipped one');
  });

  it('the clock: the newest audit entry and a verified issue time count; a few minutes of drift do not', async () => {
    const db = await nextStore();
    const audit = new AuditContext('endpoint add', [], { now: () => at(40) });
    await audit.record(db);
    const back = await trustedTime(db, at(10));
    assert.equal(back.rolledBack, true);
    assert.equal(back.now.toISOString(), at(40).toISOString());
    assert.equal(back.behindMs, 30 * DAY);
    const drift = await trustedTime(db, new Date(at(40).getTime() - ROLLBACK_TOLERANCE_MS + 1000));
    assert.equal(drift.rolledBack, false);

    const db2 = await nextStore();
    const future = vendorSign(ed.privateJwk, ['--issued-at', at(100).toISOString(), '--days', '365']);
    const { clock } = await checkToken({ db: db2, keysDir: noShipped, now: () => at(99) }, future, keys);
    assert.equal(clock.highWater.toISOString(), at(100).toISOString(), 'a verified license was issued after the system clock');
    assert.equal(clock.rolledBack, true);
    assert.equal((await trustedTime(db2, at(99))).now.toISOString(), at(100).toISOString(), 'the mark is kept in the state file');
  });

  it('community mode, then the license, then back to community when it ends; refusals name the entitlement', async () => {
    const db = await nextStore();
    const ctx = (days: number) => ({ db, keysDir: noShipped, now: () => at(days) });
    const community = await loadEntitlements(ctx(1));
    assert.deepEqual([community.mode, community.capabilities, community.limits], ['community', COMMUNITY.capabilities, COMMUNITY.limits]);
    assert.equal(limitFor(community, 'concurrentEncodes'), 1);
    assert.throws(
      () => requireCapability(community, 'replication'),
      (e: { message: string; suggestion: string; details: { entitlement: string } }) => {
        assert.match(e.message, /^replication is not included in community mode$/);
        assert.match(e.suggestion, /'replication' entitlement is needed: .*mpegflow license install FILE/);
        assert.equal(e.details.entitlement, 'replication');
        return true;
      },
    );
    assert.throws(
      () => requireWithinLimit(community, 'endpoints', COMMUNITY.limits.endpoints + 1),
      /endpoints limit of 10 in community mode/,
    );

    const token = vendorSign(ed.privateJwk, [
      ...issued,
      '--days',
      '60',
      '--grace-days',
      '10',
      '--entitlements',
      'encode,replication,health,concurrentEncodes=4',
    ]);
    await installLicense({ ...ctx(1), audit: new AuditContext('license install', []), token, trust: keys });
    const licensed = await loadEntitlements(ctx(1));
    assert.equal(licensed.mode, 'licensed');
    assert.equal(limitFor(licensed, 'concurrentEncodes'), 4);
    assert.equal(
      limitFor(licensed, 'maxResolution'),
      COMMUNITY.limits.maxResolution,
      'a limit the license does not set keeps its community value',
    );
    requireCapability(licensed, 'replication');
    assert.throws(() => requireWithinLimit(licensed, 'concurrentEncodes', 5), /concurrentEncodes limit of 4 in the license of Studio Nord/);

    const grace = await loadEntitlements(ctx(65));
    assert.deepEqual([grace.mode, grace.license?.state, grace.license?.graceDaysLeft], ['licensed', 'grace', 5]);

    const ended = await loadEntitlements(ctx(71));
    assert.equal(ended.mode, 'community');
    assert.match(ended.problem ?? '', /not in force: the license for Studio Nord expired on .* grace period ended/);
    assert.throws(() => requireCapability(ended, 'replication'), /community mode \(the installed license is not in force/);

    const rolledBack = await loadEntitlements(ctx(30));
    assert.equal(rolledBack.mode, 'community', 'turning the clock back does not revive it');
    assert.match(rolledBack.clockWarning ?? '', /41 days behind a time MpegFlow has already seen/);
  });

  it('a refused install leaves the installed license as it was; remove is audited', async () => {
    const db = await nextStore();
    const ctx = { db, keysDir: noShipped, now: () => at(1) };
    const good = vendorSign(ed.privateJwk, [...issued, '--token-id', 'keep-me']);
    await installLicense({ ...ctx, audit: new AuditContext('license install', []), token: good, trust: keys });
    const expired = vendorSign(ed.privateJwk, ['--issued-at', '2025-01-01T00:00:00Z', '--days', '30']);
    await assert.rejects(installLicense({ ...ctx, audit: new AuditContext('license install', []), token: expired }), /expired/);
    await assert.rejects(installLicense({ ...ctx, audit: new AuditContext('license install', []), token: 'junk' }), /not a license/);
    assert.equal((await installedToken(db))?.token, good);
    const entries = () => db.all<{ command: string; target: string }>('SELECT command, target FROM audit_log ORDER BY id');
    assert.deepEqual(await entries(), [{ command: 'license install', target: 'Studio Nord' }], 'only the change that happened is recorded');
    await removeLicense({ db, audit: new AuditContext('license remove', []) });
    assert.equal(await installedToken(db), undefined);
    assert.equal((await entries()).at(-1)?.command, 'license remove');
    await assert.rejects(removeLicense({ db, audit: new AuditContext('license remove', []) }), /no license is installed/);
  });
});
