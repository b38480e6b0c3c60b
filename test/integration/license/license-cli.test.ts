import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { base64url } from 'jose';
import { parseJson, runCli, tempHome, transcript } from '../../support/cli.ts';
import { vendorKeygen, vendorSign } from '../../support/license.ts';
import { makeVideo } from '../../support/media.ts';

interface VerifyDoc {
  status: string;
  summary: string;
  license: { customer: string; state: string; daysLeft: number } | null;
  error: { code: string; message: string } | null;
}

function pyjwtAvailable(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import jwt, cryptography'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('mpegflow license (CLI)', () => {
  const { home, cleanup } = tempHome('mpegflow-license-cli-');
  const keysDir = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-vendor-'));
  let ed: ReturnType<typeof vendorKeygen>;
  let good: string;
  const file = (name: string, content: string) => {
    const f = path.join(keysDir, name);
    writeFileSync(f, content);
    return f;
  };
  const cli = (args: string[], input?: string) => runCli(args, { home, input });
  const installedCustomer = async () =>
    parseJson<{ license: { customer: string; tokenId: string } | null }>(await cli(['license', 'show', '--json'])).license;
  after(cleanup);

  before(() => {
    ed = vendorKeygen(keysDir, 'site-issuer');
    good = vendorSign(ed.privateJwk, ['--days', '365', '--limit', 'concurrentEncodes=2', '--token-id', 'lic-good']);
  });

  it('runs in community mode without a license; verify cannot tell (3)', async () => {
    const show = parseJson<{ mode: string; capabilities: string[] }>(await cli(['license', 'show', '--json']));
    assert.equal(show.mode, 'community');
    assert.deepEqual(show.capabilities, ['encode', 'health']);
    assert.equal((await cli(['license', 'verify'])).code, 3);
  });

  it('refuses a license signed by a key it does not trust', async () => {
    const res = await cli(['license', 'install', file('good.license', good)]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /signed by key 'site-issuer'.*does not trust/);
    assert.match(res.stderr, /--trusted-key/);
  });

  it('installs with the private issuer key trusted; show and verify never print the token', async () => {
    const res = await cli(['license', 'install', path.join(keysDir, 'good.license'), '--trusted-key', ed.publicJwks]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /License for Studio Nord installed: valid until/);
    const verify = await cli(['license', 'verify', '--json']);
    assert.equal(verify.code, 0);
    assert.equal(parseJson<VerifyDoc>(verify).license?.customer, 'Studio Nord');
    const show = await cli(['license', 'show']);
    assert.match(show.stdout, /Concurrent encodes\s+2/);
    const audit = parseJson<{ entries: { command: string; detail: { trustedKeys?: string[] } | null }[] }>(
      await cli(['audit', 'list', '--command', 'license', '--json']),
    );
    assert.deepEqual(audit.entries.find((e) => e.detail?.trustedKeys)?.detail?.trustedKeys, ['site-issuer']);
  });

  const bad: [string, () => string, RegExp][] = [
    ['expired', () => vendorSign(ed.privateJwk, ['--issued-at', '2025-01-01T00:00:00Z', '--days', '30']), /expired on/],
    ['not yet valid', () => vendorSign(ed.privateJwk, ['--not-before', '2099-01-01T00:00:00Z']), /not valid before/],
    ['wrong audience', () => vendorSign(ed.privateJwk, ['--audience', 'other-product']), /not for MpegFlow/],
    [
      'tampered payload',
      () => {
        const [a, b, c] = good.split('.');
        const claims = JSON.parse(Buffer.from(b!, 'base64url').toString()) as { entitlements: { limits: Record<string, number> } };
        claims.entitlements.limits.concurrentEncodes = 64;
        return `${a}.${base64url.encode(JSON.stringify(claims))}.${c}`;
      },
      /does not verify/,
    ],
    ['tampered signature', () => `${good.slice(0, -4)}${good.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`, /does not verify/],
    ['alg none', () => `${base64url.encode('{"alg":"none","kid":"site-issuer"}')}.${good.split('.')[1]}.`, /not (a license token|signed)/],
    ['truncated', () => good.slice(0, good.length / 2), /truncated|does not verify|not a license token/],
    ['garbage', () => 'Lorem ipsum dolor sit amet', /not a license token/],
    ['a JSON file', () => JSON.stringify({ token: good }), /JSON document/],
  ];
  for (const [name, make, message] of bad) {
    it(`refuses ${name} and keeps the installed license`, async () => {
      const res = await cli(['license', 'install', file(`${name.replace(/ /g, '-')}.license`, make())]);
      assert.equal(res.code, 2, res.stdout + res.stderr);
      assert.match(res.stderr, message);
      assert.doesNotMatch(res.stderr, /\n\s+at /);
      const verify = parseJson<VerifyDoc>(
        await cli(['license', 'verify', path.join(keysDir, `${name.replace(/ /g, '-')}.license`), '--json']),
      );
      assert.equal(verify.status, 'CRITICAL');
      assert.equal((await installedCustomer())?.customer, 'Studio Nord');
    });
  }

  it('refuses an oversized file unread, and a missing file', async () => {
    const big = file('big.license', 'A'.repeat(100_000));
    const res = await cli(['license', 'install', big]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /more than a license can be/);
    const missing = await cli(['license', 'install', path.join(keysDir, 'nope.license')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file/);
    assert.equal((await installedCustomer())?.customer, 'Studio Nord');
  });

  it('verify warns (1) for a license expiring within 30 days; install from stdin', async () => {
    const soon = vendorSign(ed.privateJwk, ['--days', '10']);
    const verify = await cli(['license', 'verify', '-', '--json'], soon);
    assert.equal(verify.code, 1);
    assert.match(parseJson<VerifyDoc>(verify).summary, /EXPIRES in 9 day|EXPIRES in 10 day/);
    const install = await cli(['license', 'install', '-'], good);
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
    const res = await cli(['worker', '--drain', '--concurrency', '8']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /running 2 encode\(s\) at once, not 8/);
  });

  it('the licensed highest resolution caps what encode produces', async () => {
    const capped = vendorSign(ed.privateJwk, ['--days', '365', '--limit', 'maxResolution=480', '--token-id', 'lic-480']);
    assert.equal((await cli(['license', 'install', '-'], capped)).code, 0);
    const source = path.join(keysDir, 'hd.mp4');
    makeVideo(source, { width: 1280, height: 720, seconds: 2 });
    const encode = await cli(['encode', source, '--preset', 'hls-h264', '--to', path.join(keysDir, 'hd-out'), '--json']);
    assert.equal(encode.code, 0, encode.stderr);
    const renditions = parseJson<{ renditions: { name: string; height: number }[] }>(encode).renditions;
    assert.deepEqual(
      renditions.map((r) => r.height),
      [480, 360],
    );
    assert.equal((await cli(['license', 'install', '-'], good)).code, 0);
  });

  it('remove returns to community mode; the token never appeared in any output', async () => {
    assert.equal((await cli(['license', 'remove'])).code, 0);
    assert.equal(parseJson<{ mode: string }>(await cli(['license', 'show', '--json'])).mode, 'community');
    assert.equal((await cli(['license', 'remove'])).code, 1);
    const all = transcript.join('\n');
    assert.ok(!all.includes(good.split('.')[2]!), 'the signature of the installed token was printed');
    assert.ok(readFileSync(ed.privateJwk, 'utf8').length > 0);
  });
});
