import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../../support/cli.ts';
import { vendorKeygen } from '../../support/license.ts';

const script = path.join(repoRoot, 'scripts', 'license-issue.ts');
const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

describe('scripts/license-issue.ts (the vendor side)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-vendor-script-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keygen writes a private key only its owner reads and never overwrites a key', () => {
    const key = vendorKeygen(dir, 'once');
    assert.equal(statSync(key.privateJwk).mode & 0o777, 0o600);
    assert.equal(statSync(key.privatePem).mode & 0o777, 0o600);
    const jwks = JSON.parse(readFileSync(key.publicJwks, 'utf8')) as { keys: Record<string, string>[] };
    assert.deepEqual(Object.keys(jwks.keys[0]!).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    const before = readFileSync(key.privateJwk, 'utf8');
    const again = run('keygen', '--alg', 'EdDSA', '--kid', 'once', '--out', dir);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /exists; choose another --kid or --out \(keys are never overwritten\)/);
    assert.equal(readFileSync(key.privateJwk, 'utf8'), before);
  });

  it('refuses bad arguments with a usage message (exit 2) and writes no license', () => {
    const key = vendorKeygen(dir, 'args');
    const cases: [string[], RegExp][] = [
      [['keygen', '--alg', 'RS256', '--kid', 'x', '--out', dir], /--alg must be EdDSA or ES256/],
      [['keygen', '--kid', 'a b', '--out', dir], /--kid is required/],
      [['sign', '--key', key.privateJwk], /--customer NAME are required/],
      [['sign', '--key', key.publicJwks, '--customer', 'C'], /is not a private key made by keygen/],
      [['sign', '--key', key.privateJwk, '--customer', 'C', '--days', 'ten'], /--days must be a number/],
      [['sign', '--key', key.privateJwk, '--customer', 'C', '--grace-days', '1.5'], /--grace-days must be a whole number/],
      [['sign', '--key', key.privateJwk, '--customer', 'C', '--limit', 'endpoints'], /--limit takes name=value/],
      [['sign', '--key', key.privateJwk, '--customer', 'C', '--issued-at', 'yesterday'], /--issued-at must be a date/],
      [['sign', '--key', key.privateJwk, '--customer', 'C', '--entitlements', 'encode', '--limit', 'endpoints=2'], /not both/],
      [['sign', '--key', key.privateJwk, '--customer', 'C', '--entitlements', '{"capabilities":'], /must be an object/],
      [['sign', '--key', key.privateJwk, '--customer', 'C', '--colour', 'red'], /Unknown option '--colour'/],
      [['issue'], /unknown command 'issue'/],
    ];
    for (const [args, message] of cases) {
      const res = run(...args);
      assert.equal(res.status, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, message);
      assert.equal(res.stdout, '');
    }
  });
});
