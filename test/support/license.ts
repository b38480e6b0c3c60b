import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './cli.ts';

/** Keys and licenses made with the vendor's own script, in a test folder: tests never use the production key. */
export function vendorKeygen(
  dir: string,
  kid: string,
  alg: 'EdDSA' | 'ES256' = 'EdDSA',
): { privateJwk: string; privatePem: string; publicJwks: string } {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'license-issue.ts'), 'keygen', '--alg', alg, '--kid', kid, '--out', dir], {
    stdio: 'pipe',
  });
  return {
    privateJwk: path.join(dir, `${kid}.private.jwk.json`),
    privatePem: path.join(dir, `${kid}.private.pem`),
    publicJwks: path.join(dir, `${kid}.public.jwks.json`),
  };
}

export function vendorSign(privateJwk: string, args: string[] = []): string {
  return execFileSync(
    process.execPath,
    [path.join(repoRoot, 'scripts', 'license-issue.ts'), 'sign', '--key', privateJwk, '--customer', 'Studio Nord', ...args],
    { encoding: 'utf8' },
  ).trim();
}

export function publicKeyOf(publicJwks: string): { kid: string; alg: string } & Record<string, string> {
  return (JSON.parse(readFileSync(publicJwks, 'utf8')) as { keys: ({ kid: string; alg: string } & Record<string, string>)[] }).keys[0]!;
}
