// The license format is standard JWS/JWT, not ours alone: tokens made by
// other implementations (PyJWT from Debian's python3-jwt, openssl) verify,
// and tokens made by the vendor script verify in PyJWT.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseKeyFile, type TrustedKey } from '../../../src/core/license/keys.ts';
import { verifyLicense } from '../../../src/core/license/verify.ts';
import { vendorKeygen, vendorSign } from '../../support/license.ts';

const PYTHON = '/usr/bin/python3';
const SKIP_PYJWT = 'PyJWT (Debian python3-jwt, python3-cryptography) is not installed: run bash scripts/install-test-deps.sh';

function pyjwtAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import jwt, cryptography'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const PYJWT_SIGN = `import jwt, sys, time
key, alg, kid = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
now = int(time.time())
claims = {"iss": "PyJWT issuer", "sub": "Py Customer", "aud": "mpegflow", "iat": now, "nbf": now, "exp": now + 90 * 86400,
          "jti": "py-" + alg, "grace_days": 5,
          "entitlements": {"capabilities": ["encode", "replication"], "limits": {"concurrentEncodes": 3, "maxResolution": 2160}}}
print(jwt.encode(claims, key, algorithm=alg, headers={"kid": kid}))`;

const PYJWT_VERIFY = `import jwt, json, sys
token, key, alg = sys.stdin.read().strip(), open(sys.argv[1]).read(), sys.argv[2]
claims = jwt.decode(token, key, algorithms=[alg], audience="mpegflow", options={"require": ["exp", "iat", "sub", "iss"]})
print(json.dumps({"header": jwt.get_unverified_header(token), "claims": claims}))`;

describe('license tokens from independent implementations', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-license-interop-'));
  const pyjwt = pyjwtAvailable();
  let ed: ReturnType<typeof vendorKeygen>;
  let ec: ReturnType<typeof vendorKeygen>;
  let keys: TrustedKey[];
  after(() => rmSync(dir, { recursive: true, force: true }));

  before(() => {
    ed = vendorKeygen(dir, 'interop-ed');
    ec = vendorKeygen(dir, 'interop-ec', 'ES256');
    keys = [...parseKeyFile(ed.publicJwks), ...parseKeyFile(ec.publicJwks)];
  });

  for (const [alg, pick] of [
    ['EdDSA', () => ed],
    ['ES256', () => ec],
  ] as const) {
    it(`a PyJWT ${alg} token verifies`, async (t) => {
      if (!pyjwt) return t.skip(SKIP_PYJWT);
      const key = pick();
      const kid = alg === 'EdDSA' ? 'interop-ed' : 'interop-ec';
      const token = execFileSync(PYTHON, ['-c', PYJWT_SIGN, key.privatePem, alg, kid], { encoding: 'utf8' }).trim();
      const license = await verifyLicense({ token, keys, now: new Date() });
      assert.equal(license.alg, alg);
      assert.equal(license.claims.customer, 'Py Customer');
      assert.deepEqual(license.claims.capabilities, ['encode', 'replication']);
      assert.deepEqual(license.claims.limits, { concurrentEncodes: 3, maxResolution: 2160 });
      assert.equal(license.claims.graceDays, 5);
      assert.equal(license.state, 'valid');
    });

    it(`PyJWT verifies a ${alg} license from the vendor script`, (t) => {
      if (!pyjwt) return t.skip(SKIP_PYJWT);
      const key = pick();
      const token = vendorSign(key.privateJwk, ['--days', '30', '--entitlements', 'encode,endpoints=12', '--token-id', 'v-1']);
      const publicPem = key.privatePem.replace('private.pem', 'public.pem');
      const out = JSON.parse(execFileSync(PYTHON, ['-c', PYJWT_VERIFY, publicPem, alg], { input: token, encoding: 'utf8' })) as {
        header: Record<string, string>;
        claims: Record<string, unknown>;
      };
      assert.deepEqual(out.header, { alg, kid: alg === 'EdDSA' ? 'interop-ed' : 'interop-ec', typ: 'JWT' });
      assert.equal(out.claims.sub, 'Studio Nord');
      assert.equal(out.claims.jti, 'v-1');
      assert.deepEqual(out.claims.entitlements, { capabilities: ['encode'], limits: { endpoints: 12 } });
    });
  }

  it('an Ed25519 signature made by openssl over a hand-assembled JWS verifies', async () => {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    // a header written by hand, with the whitespace JSON allows
    const signingInput = `${b64('{ "alg": "EdDSA",\n  "kid": "interop-ed" }')}.${b64({
      iss: 'openssl',
      sub: 'Shell Customer',
      aud: 'mpegflow',
      iat: now,
      exp: now + 400 * 86400,
      entitlements: { capabilities: ['health'] },
    })}`;
    const input = path.join(dir, 'signing-input');
    writeFileSync(input, signingInput);
    const signature = execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', ed.privatePem, '-rawin', '-in', input]);
    assert.equal(signature.length, 64);
    const license = await verifyLicense({ token: `${signingInput}.${signature.toString('base64url')}`, keys, now: new Date() });
    assert.deepEqual(
      [license.claims.customer, license.claims.issuer, license.claims.capabilities],
      ['Shell Customer', 'openssl', ['health']],
    );
  });

  it("PyJWT's unsigned token (alg none) is refused as unsigned", async (t) => {
    if (!pyjwt) return t.skip(SKIP_PYJWT);
    const token = execFileSync(
      PYTHON,
      [
        '-c',
        'import jwt; print(jwt.encode({"sub": "x", "aud": "mpegflow", "iss": "x", "iat": 1, "exp": 4000000000}, None, algorithm="none"))',
      ],
      { encoding: 'utf8' },
    ).trim();
    await assert.rejects(verifyLicense({ token, keys, now: new Date() }), { code: 'LICENSE_UNSIGNED' });
  });
});
