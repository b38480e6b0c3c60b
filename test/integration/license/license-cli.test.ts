import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT, base64url } from 'jose';
import { openStore } from '../../../src/core/store/open.ts';
import { cliEntry, parseJson, runCli, tempHome, transcript } from '../../support/cli.ts';
import { runInProcess } from '../../support/in-process.ts';
import { vendorKeygen, vendorSign } from '../../support/license.ts';
import { makeVideo } from '../../support/media.ts';

interface VerifyDoc {
  status: string;
  summary: string;
  license: { customer: string; state: string; daysLeft: number; graceDaysLeft: number | null } | null;
  error: { code: string; message: string } | null;
  clock: { rolledBack: boolean; systemTime: string; newestTimeSeen: string };
}
interface ErrorDoc {
  error: { code: string; message: string; suggestion?: string };
}
interface ShowDoc {
  mode: string;
  problem: string | null;
  clockWarning: string | null;
  capabilities: string[];
  license: { customer: string; tokenId: string } | null;
}

function pyjwtAvailable(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import jwt, cryptography'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const DAY_S = 86_400;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_S * 1000).toISOString();

describe('mpegflow license (CLI)', () => {
  const { home, cleanup } = tempHome('mpegflow-license-cli-');
  const keysDir = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-vendor-'));
  let ed: ReturnType<typeof vendorKeygen>;
  let rogue: ReturnType<typeof vendorKeygen>;
  let good: string;
  const file = (name: string, content: string) => {
    const f = path.join(keysDir, name);
    writeFileSync(f, content);
    return f;
  };
  const cli = (args: string[], input?: string, where = home) => runInProcess(args, { home: where, input });
  /** The license commands' smoke test (a token on standard input), the worker and encode run the built CLI as users do. */
  const spawned = (args: string[], input?: string, where = home) => runCli(args, { home: where, input });
  const installed = async () => parseJson<ShowDoc>(await cli(['license', 'show', '--json'])).license;
  after(() => {
    cleanup();
    rmSync(keysDir, { recursive: true, force: true });
  });

  before(() => {
    ed = vendorKeygen(keysDir, 'site-issuer');
    rogue = vendorKeygen(keysDir, 'rogue');
    good = vendorSign(ed.privateJwk, ['--days', '365', '--limit', 'concurrentEncodes=2', '--token-id', 'lic-good']);
  });

  it('runs in community mode without a license; verify cannot tell (3)', async () => {
    const show = parseJson<ShowDoc>(await cli(['license', 'show', '--json']));
    assert.equal(show.mode, 'community');
    assert.deepEqual(show.capabilities, ['encode', 'health']);
    const human = await cli(['license', 'show']);
    assert.match(human.stdout, /Community mode \(no license installed\)[\s\S]*Concurrent encodes\s+1[\s\S]*Max resolution\s+1080p/);
    const verify = await cli(['license', 'verify']);
    assert.equal(verify.code, 3);
    assert.match(verify.stderr, /no license is installed/);
    // the status line first, as a Nagios check reads it
    assert.match(verify.stdout, /^LICENSE UNKNOWN: no license is installed/);
  });

  it('refuses a license signed by a key it does not know (unknown kid), naming the way to trust one', async () => {
    const res = await cli(['license', 'install', file('good.license', good), '--json']);
    assert.equal(res.code, 2);
    const { error } = parseJson<ErrorDoc>(res);
    assert.equal(error.code, 'LICENSE_UNKNOWN_KEY');
    assert.match(error.message, /signed by key 'site-issuer'.*does not trust/);
    assert.match(error.suggestion ?? '', /--trusted-key/);
    assert.equal(await installed(), null);
  });

  it('refuses a private key, and a key claiming the id of a key MpegFlow ships, as --trusted-key', async () => {
    const res = await cli(['license', 'install', path.join(keysDir, 'good.license'), '--trusted-key', ed.privateJwk]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /holds a private key/);
    const shippedKid = (JSON.parse(readFileSync(path.join('keys', 'mpegflow-vendor.jwks.json'), 'utf8')) as { keys: { kid: string }[] })
      .keys[0]!.kid;
    const impostor = JSON.parse(readFileSync(rogue.publicJwks, 'utf8')) as { keys: { kid: string }[] };
    impostor.keys[0]!.kid = shippedKid;
    const bad = await cli([
      'license',
      'install',
      path.join(keysDir, 'good.license'),
      '--trusted-key',
      file('impostor.jwks.json', JSON.stringify(impostor)),
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not the key MpegFlow ships under that id/);
    assert.equal(await installed(), null);
  });

  it('installs with the private issuer key trusted (recorded and audited); show and verify report it', async () => {
    const res = await cli(['license', 'install', path.join(keysDir, 'good.license'), '--trusted-key', ed.publicJwks]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /License for Studio Nord installed: valid until/);
    const textfile = path.join(keysDir, 'license.prom');
    const verify = await cli(['license', 'verify', '--json', '--textfile', textfile]);
    assert.equal(verify.code, 0);
    const doc = parseJson<VerifyDoc>(verify);
    assert.deepEqual([doc.status, doc.license?.customer, doc.clock.rolledBack], ['OK', 'Studio Nord', false]);
    // what node_exporter serves for the expiry alert
    const metrics = readFileSync(textfile, 'utf8');
    assert.match(metrics, /^mpegflow_license_status\{source="installed license"\} 0$/m);
    assert.match(metrics, /^mpegflow_license_days_left\{source="installed license"\} 36[45]$/m);
    assert.match(metrics, /^mpegflow_license_expiry_timestamp_seconds\{source="installed license"\} \d{10}$/m);
    const show = await cli(['license', 'show']);
    assert.match(show.stdout, /Licensed to Studio Nord: valid until \d{4}-\d\d-\d\d \(36[45] days left\)/);
    assert.match(show.stdout, /Concurrent encodes\s+2/);
    const audit = parseJson<{
      entries: { command: string; outcome: string; detail: { trustedKeys?: { kid: string; file: string }[] } | null }[];
    }>(await cli(['audit', 'list', '--command', 'license', '--json']));
    const entry = audit.entries.find((e) => e.outcome === 'success' && e.detail?.trustedKeys?.length);
    assert.deepEqual(
      entry?.detail?.trustedKeys?.map((k) => [k.kid, k.file]),
      [['site-issuer', ed.publicJwks]],
    );
  });

  const parts = () => good.split('.') as [string, string, string];
  const claimsOf = () =>
    JSON.parse(Buffer.from(parts()[1], 'base64url').toString()) as Record<string, unknown> & {
      entitlements: { limits: Record<string, number> };
    };
  /** name, the bad license, the error code and message it must get. Every message differs. */
  const bad: [string, () => string | Promise<string>, string, RegExp][] = [
    [
      'expired',
      () => vendorSign(ed.privateJwk, ['--issued-at', '2025-01-01T00:00:00Z', '--days', '30']),
      'LICENSE_EXPIRED',
      /expired on 2025-01-31/,
    ],
    [
      'not yet valid',
      () => vendorSign(ed.privateJwk, ['--not-before', '2099-01-01T00:00:00Z']),
      'LICENSE_NOT_YET_VALID',
      /not valid before 2099-01-01/,
    ],
    [
      'wrong audience',
      () => vendorSign(ed.privateJwk, ['--audience', 'other-product']),
      'LICENSE_WRONG_AUDIENCE',
      /for 'other-product', not for MpegFlow/,
    ],
    ['unknown kid', () => vendorSign(rogue.privateJwk), 'LICENSE_UNKNOWN_KEY', /key 'rogue', which this installation does not trust/],
    [
      'tampered payload',
      () => {
        const claims = claimsOf();
        claims.entitlements.limits.concurrentEncodes = 64;
        return `${parts()[0]}.${base64url.encode(JSON.stringify(claims))}.${parts()[2]}`;
      },
      'LICENSE_BAD_SIGNATURE',
      /does not verify with key 'site-issuer'/,
    ],
    [
      'tampered signature',
      () => {
        const sig = Buffer.from(parts()[2], 'base64url');
        sig[10] = sig[10]! ^ 0x40;
        return `${parts()[0]}.${parts()[1]}.${sig.toString('base64url')}`;
      },
      'LICENSE_BAD_SIGNATURE',
      /does not verify with key 'site-issuer'/,
    ],
    [
      'signed by an untrusted key under a trusted kid',
      async () => {
        const { importJWK } = await import('jose');
        const key = await importJWK(JSON.parse(readFileSync(rogue.privateJwk, 'utf8')), 'EdDSA');
        return new SignJWT(claimsOf()).setProtectedHeader({ alg: 'EdDSA', kid: 'site-issuer' }).sign(key);
      },
      'LICENSE_BAD_SIGNATURE',
      /or it was signed by another key/,
    ],
    ['alg none', () => `${base64url.encode('{"alg":"none","typ":"JWT"}')}.${parts()[1]}.`, 'LICENSE_UNSIGNED', /not signed \(alg 'none'\)/],
    [
      'HS256 signed with the public key as the secret',
      () =>
        new SignJWT(claimsOf())
          .setProtectedHeader({ alg: 'HS256', kid: 'site-issuer' })
          .sign(readFileSync(ed.privatePem.replace('private.pem', 'public.pem'))),
      'LICENSE_HMAC',
      /uses HS256, a shared-secret algorithm/,
    ],
    ['truncated', () => good.slice(0, good.length - 20), 'LICENSE_TRUNCATED', /signature is \d+ of 64 bytes/],
    ['cut in half', () => good.slice(0, Math.floor(good.length / 2)), 'LICENSE_TRUNCATED', /it has 2 of its 3 parts/],
    ['garbage', () => 'Lorem ipsum dolor sit amet', 'LICENSE_GARBAGE', /not a license token/],
    ['a JSON file', () => JSON.stringify({ token: good }, null, 2), 'LICENSE_IS_JSON', /JSON document, not a license token/],
    ['an empty file', () => '\n', 'LICENSE_EMPTY', /empty/],
    ['oversized', () => 'A'.repeat(100_000), 'LICENSE_TOO_LARGE', /100000 bytes, more than a license can be \(16384\)/],
  ];
  const messages = new Map<string, string>();
  for (const [name, make, code, message] of bad) {
    it(`refuses ${name} (${code}) and keeps the installed license`, async () => {
      const f = file(`${name.replace(/ /g, '-')}.license`, await make());
      const res = await cli(['license', 'install', f, '--json']);
      assert.equal(res.code, 2, res.stdout + res.stderr);
      const { error } = parseJson<ErrorDoc>(res);
      assert.equal(error.code, code, error.message);
      assert.match(error.message, message);
      assert.ok(error.suggestion, 'every refusal says what to do');
      messages.set(name, error.message);
      const human = await cli(['license', 'install', f]);
      assert.match(human.stderr, /^Error: .*\n {2}Try: /);
      assert.doesNotMatch(human.stderr, /\n\s+at /);
      const verify = await cli(['license', 'verify', f, '--json']);
      assert.equal(verify.code, 2, verify.stdout);
      assert.deepEqual([parseJson<VerifyDoc>(verify).status, parseJson<VerifyDoc>(verify).error?.code], ['CRITICAL', code]);
      assert.equal((await installed())?.tokenId, 'lic-good', 'the installed license is still in force');
    });
  }
  it('each refusal has its own message (except what cryptography cannot tell apart)', () => {
    const sameByNature = new Set(['tampered signature', 'signed by an untrusted key under a trusted kid']);
    const distinct = [...messages].filter(([name]) => !sameByNature.has(name)).map(([, m]) => m);
    assert.equal(messages.size, bad.length);
    assert.equal(new Set(distinct).size, distinct.length, distinct.join('\n'));
  });

  it('refuses an oversized standard input and a missing file; verify cannot tell (3) for a missing file', async () => {
    // a runaway pipe: MpegFlow stops reading after 16 KiB instead of buffering it all
    const big = spawnSync(
      'bash',
      ['-c', `head -c 5000000 /dev/zero | tr '\\0' A | "${process.execPath}" "${cliEntry}" license install - --json`],
      {
        env: { ...process.env, MPEGFLOW_HOME: home },
        encoding: 'utf8',
      },
    );
    assert.equal(big.status, 2, big.stderr);
    assert.match(JSON.parse(big.stdout).error.message, /standard input is over 16384 bytes/);
    const missing = await cli(['license', 'install', path.join(keysDir, 'nope.license')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file/);
    const gone = await cli(['license', 'verify', path.join(keysDir, 'nope.license')]);
    assert.equal(gone.code, 3);
    assert.match(gone.stdout, /^LICENSE UNKNOWN: cannot read .*nope\.license/);
    assert.equal((await cli(['license', 'verify', keysDir])).code, 3);
    assert.equal((await installed())?.tokenId, 'lic-good');
  });

  it('verify: 1 when expiring within 30 days, 1 in the grace period, 2 after it; install from stdin', async () => {
    const soon = await spawned(['license', 'verify', '-', '--json'], vendorSign(ed.privateJwk, ['--days', '10']));
    assert.equal(soon.code, 1);
    assert.match(parseJson<VerifyDoc>(soon).summary, /EXPIRES in (9|10) day/);
    const inGrace = vendorSign(ed.privateJwk, ['--issued-at', daysAgo(40), '--days', '30', '--grace-days', '14']);
    const grace = await spawned(['license', 'verify', '-'], inGrace);
    assert.equal(grace.code, 1);
    assert.match(grace.stdout, /LICENSE WARNING: Studio Nord: EXPIRED on .*, in grace: 4 day\(s\) left/);
    assert.match(grace.stdout, /Renew: ask your MpegFlow vendor .* when the grace period ends MpegFlow falls back to community mode/);
    const past = vendorSign(ed.privateJwk, ['--issued-at', daysAgo(50), '--days', '30', '--grace-days', '14']);
    const ended = await spawned(['license', 'verify', '-', '--json'], past);
    assert.equal(ended.code, 2);
    assert.match(parseJson<VerifyDoc>(ended).summary, /grace period ended/);
    const install = await spawned(['license', 'install', '-'], good);
    assert.equal(install.code, 0, install.stderr);
  });

  it('accepts a token made by an independent implementation (PyJWT)', async (t) => {
    if (!pyjwtAvailable()) return t.skip('PyJWT (Debian python3-jwt) is not installed: bash scripts/install-test-deps.sh');
    const script = `import jwt, time, sys
key = open(sys.argv[1]).read()
now = int(time.time())
print(jwt.encode({"iss": "PyJWT issuer", "sub": "Py Customer", "aud": "mpegflow", "iat": now, "exp": now + 90 * 86400, "jti": "py-1",
  "entitlements": {"capabilities": ["encode"], "limits": {"concurrentEncodes": 3}}}, key, algorithm="EdDSA", headers={"kid": "site-issuer"}))`;
    const token = execFileSync('/usr/bin/python3', ['-c', script, ed.privatePem], { encoding: 'utf8' }).trim();
    const verify = await cli(['license', 'verify', '-', '--json'], token);
    assert.equal(verify.code, 0, verify.stdout);
    assert.equal(parseJson<VerifyDoc>(verify).license?.customer, 'Py Customer');
  });

  it('the worker runs at most the licensed number of encodes at once', async () => {
    const res = await spawned(['worker', '--drain', '--concurrency', '8']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /running 2 encode\(s\) at once, not 8/);
  });

  it('replicate setup without the replication entitlement says which entitlement and how to get it', async () => {
    const encodeOnly = vendorSign(ed.privateJwk, ['--days', '365', '--entitlements', 'encode,health', '--token-id', 'lic-encode']);
    assert.equal((await cli(['license', 'install', '-'], encodeOnly)).code, 0);
    const res = await cli(['replicate', 'setup', 'edge/ingest', 'central/archive', '--json']);
    assert.equal(res.code, 1, res.stdout);
    const { error } = parseJson<ErrorDoc>(res);
    assert.equal(error.code, 'NOT_LICENSED');
    assert.match(error.message, /replication is not included in the license of Studio Nord/);
    assert.match(error.suggestion ?? '', /'replication' entitlement is needed: .*mpegflow license install FILE/);
  });

  it('the licensed highest resolution caps what encode produces', async () => {
    const capped = vendorSign(ed.privateJwk, ['--days', '365', '--limit', 'maxResolution=480', '--token-id', 'lic-480']);
    assert.equal((await spawned(['license', 'install', '-'], capped)).code, 0);
    const source = path.join(keysDir, 'hd.mp4');
    makeVideo(source, { width: 1280, height: 720, seconds: 2 });
    const encode = await spawned(['encode', source, '--preset', 'hls-h264', '--to', path.join(keysDir, 'hd-out'), '--json']);
    assert.equal(encode.code, 0, encode.stderr);
    const renditions = parseJson<{ renditions: { name: string; height: number }[] }>(encode).renditions;
    assert.deepEqual(
      renditions.map((r) => r.height),
      [480, 360],
    );
    assert.equal((await spawned(['license', 'install', '-'], good)).code, 0);
  });

  it('turning the clock back revives nothing and is reported (another state folder)', async () => {
    const other = tempHome('mpegflow-license-clock-');
    try {
      const soon = vendorSign(ed.privateJwk, ['--days', '20', '--token-id', 'lic-20']);
      assert.equal((await cli(['license', 'install', '-', '--trusted-key', ed.publicJwks], soon, other.home)).code, 0);
      // MpegFlow has seen a time 30 days ahead (as if the clock had been there and was turned back since)
      const db = await openStore({ file: path.join(other.home, 'state.db') });
      await db.run('UPDATE license_clock SET high_water = ?', [new Date(Date.now() + 30 * DAY_S * 1000).toISOString()]);
      await db.close();
      const verify = await cli(['license', 'verify', '--json'], undefined, other.home);
      assert.equal(verify.code, 2);
      const doc = parseJson<VerifyDoc>(verify);
      assert.equal(doc.error?.code, 'LICENSE_EXPIRED');
      assert.equal(doc.clock.rolledBack, true);
      assert.match(doc.summary, /the system clock .* is 30 days behind a time MpegFlow has already seen/);
      const show = await cli(['license', 'show'], undefined, other.home);
      assert.match(show.stdout, /Community mode: the installed license is not in force: the license for Studio Nord expired/);
      assert.match(show.stderr, /Warning: the system clock .* is 30 days behind/);
      assert.equal(parseJson<ShowDoc>(await cli(['license', 'show', '--json'], undefined, other.home)).mode, 'community');
    } finally {
      other.cleanup();
    }
  });

  it('remove returns to community mode; no token ever appeared in output or the audit log', async () => {
    assert.equal((await cli(['license', 'remove'])).code, 0);
    assert.equal(parseJson<ShowDoc>(await cli(['license', 'show', '--json'])).mode, 'community');
    const again = await cli(['license', 'remove']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no license is installed/);
    const exported = await cli(['audit', 'export', '--format', 'jsonl']);
    assert.match(exported.stdout, /"command":"license remove"/);
    const all = transcript.join('\n');
    assert.ok(!all.includes(parts()[2]), 'the signature of the installed token was printed');
    assert.ok(!all.includes(parts()[1]), 'the payload of the installed token was printed');
  });
});
