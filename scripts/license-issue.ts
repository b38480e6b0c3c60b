#!/usr/bin/env node
// The vendor's side of licensing (not an mpegflow command): make signing keys
// and sign licenses. Run with Node 24 (it strips the types):
//   node scripts/license-issue.ts keygen --alg EdDSA --kid mf-2026 --out ~/mpegflow-keys
//   node scripts/license-issue.ts sign --key ~/mpegflow-keys/mf-2026.private.jwk.json \
//       --customer "Studio Nord" --days 365 --capabilities encode,replication,health \
//       --limit concurrentEncodes=8 --limit maxResolution=2160 --grace-days 14 > studio-nord.license
// Keep private keys off the machines MpegFlow runs on; ship only public keys (keys/*.json).
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';

const [command, ...rest] = process.argv.slice(2);

async function keygen(): Promise<void> {
  const { values } = parseArgs({
    args: rest,
    options: { alg: { type: 'string', default: 'EdDSA' }, kid: { type: 'string' }, out: { type: 'string', default: '.' } },
  });
  if (values.alg !== 'EdDSA' && values.alg !== 'ES256') throw new Error('--alg must be EdDSA or ES256');
  if (!values.kid) throw new Error('--kid is required (a name for the key, e.g. mf-2026)');
  const { publicKey, privateKey } = await generateKeyPair(values.alg, {
    crv: values.alg === 'EdDSA' ? 'Ed25519' : undefined,
    extractable: true,
  });
  const meta = { kid: values.kid, alg: values.alg, use: 'sig' };
  mkdirSync(values.out, { recursive: true });
  const file = (suffix: string) => path.join(values.out!, `${values.kid}.${suffix}`);
  writeFileSync(file('private.jwk.json'), `${JSON.stringify({ ...(await exportJWK(privateKey)), ...meta }, null, 2)}\n`, { mode: 0o600 });
  writeFileSync(file('private.pem'), await exportPKCS8(privateKey), { mode: 0o600 });
  writeFileSync(file('public.pem'), await exportSPKI(publicKey));
  writeFileSync(file('public.jwks.json'), `${JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), ...meta }] }, null, 2)}\n`);
  console.log(`wrote ${file('private.jwk.json')} (keep secret) and ${file('public.jwks.json')} (ship in keys/ or give to operators)`);
}

async function sign(): Promise<void> {
  const { values } = parseArgs({
    args: rest,
    options: {
      key: { type: 'string' },
      customer: { type: 'string' },
      days: { type: 'string', default: '365' },
      'issued-at': { type: 'string' },
      'not-before': { type: 'string' },
      'grace-days': { type: 'string' },
      capabilities: { type: 'string', default: 'encode,replication,health' },
      limit: { type: 'string', multiple: true, default: [] },
      issuer: { type: 'string', default: 'MpegFlow licensing' },
      audience: { type: 'string', default: 'mpegflow' },
      'token-id': { type: 'string' },
      extra: { type: 'string', multiple: true, default: [] },
    },
  });
  if (!values.key || !values.customer) throw new Error('--key PRIVATE.jwk.json and --customer NAME are required');
  const jwk = JSON.parse(readFileSync(values.key, 'utf8')) as JWK & { kid: string; alg: string };
  const key = await importJWK(jwk, jwk.alg);
  const issuedAt = values['issued-at'] ? new Date(values['issued-at']) : new Date();
  const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
  const limits = Object.fromEntries(
    values.limit.map((pair) => {
      const [name, value] = pair.split('=');
      return [name, Number(value)];
    }),
  );
  const extra = Object.fromEntries(values.extra.map((pair) => pair.split('=') as [string, string]));
  const payload: Record<string, unknown> = {
    entitlements: { capabilities: values.capabilities.split(',').filter(Boolean), limits, ...extra },
    ...(values['grace-days'] ? { grace_days: Number(values['grace-days']) } : {}),
  };
  let jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT' })
    .setIssuer(values.issuer)
    .setSubject(values.customer)
    .setAudience(values.audience)
    .setIssuedAt(seconds(issuedAt))
    .setJti(values['token-id'] ?? randomUUID())
    .setExpirationTime(seconds(issuedAt) + Number(values.days) * 86_400);
  if (values['not-before']) jwt = jwt.setNotBefore(seconds(new Date(values['not-before'])));
  process.stdout.write(`${await jwt.sign(key)}\n`);
}

try {
  if (command === 'keygen') await keygen();
  else if (command === 'sign') await sign();
  else throw new Error('usage: license-issue.ts keygen|sign [options] (see the comment at the top of the file)');
} catch (error) {
  console.error(`license-issue: ${(error as Error).message}`);
  process.exit(1);
}
