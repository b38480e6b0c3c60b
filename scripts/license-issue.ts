#!/usr/bin/env node
// The vendor's side of licensing (not an mpegflow command): make signing keys
// and sign licenses. Run with Node 24 (it strips the types):
//   node scripts/license-issue.ts keygen --alg EdDSA --kid mf-2026 --out ~/mpegflow-keys
//   node scripts/license-issue.ts sign --key ~/mpegflow-keys/mf-2026.private.jwk.json \
//       --customer "Studio Nord" --days 365 \
//       --entitlements encode,replication,health,concurrentEncodes=8,maxResolution=2160 \
//       --grace-days 14 > studio-nord.license
// --entitlements lists capabilities (names) and limits (name=number); it may
// also be a JSON object ({"capabilities": [...], "limits": {...}, ...}).
// --capabilities a,b and --limit name=N (repeatable) say the same in parts.
// Keep private keys off the machines MpegFlow runs on; ship only public keys
// (keys/*.json). keygen never overwrites an existing key.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';

const USAGE = `usage:
  node scripts/license-issue.ts keygen --alg EdDSA|ES256 --kid KID --out DIR
  node scripts/license-issue.ts sign --key DIR/KID.private.jwk.json --customer NAME [--days N]
      [--entitlements encode,replication,health,concurrentEncodes=8,endpoints=50,maxResolution=2160 | JSON]
      [--capabilities a,b] [--limit name=N]... [--extra name=value]... [--grace-days N]
      [--issued-at ISO] [--not-before ISO] [--token-id ID] [--issuer NAME] [--audience mpegflow]
  The license (one line) is written to standard output.`;

class UsageError extends Error {}

const [command, ...rest] = process.argv.slice(2);

function number(name: string, value: string, { integer = false, min = 0 } = {}): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} of at least ${min}, not '${value}'`);
  return n;
}

function date(name: string, value: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${name} must be a date such as 2026-01-31T00:00:00Z, not '${value}'`);
  return d;
}

function nameValue(option: string, pair: string): [string, string] {
  const at = pair.indexOf('=');
  if (at <= 0) throw new UsageError(`--${option} takes name=value, not '${pair}'`);
  return [pair.slice(0, at), pair.slice(at + 1)];
}

async function keygen(): Promise<void> {
  const { values } = parseArgs({
    args: rest,
    options: { alg: { type: 'string', default: 'EdDSA' }, kid: { type: 'string' }, out: { type: 'string' } },
  });
  if (values.alg !== 'EdDSA' && values.alg !== 'ES256') throw new UsageError('--alg must be EdDSA or ES256');
  if (!values.kid || !/^[A-Za-z0-9._-]{1,64}$/.test(values.kid))
    throw new UsageError('--kid is required: a name for the key of letters, digits, . _ - (e.g. mf-2026)');
  if (!values.out) throw new UsageError('--out DIR is required (where to write the key files)');
  const { publicKey, privateKey } = await generateKeyPair(values.alg, {
    crv: values.alg === 'EdDSA' ? 'Ed25519' : undefined,
    extractable: true,
  });
  const meta = { kid: values.kid, alg: values.alg, use: 'sig' };
  mkdirSync(values.out, { recursive: true, mode: 0o700 });
  const file = (suffix: string) => path.join(values.out!, `${values.kid}.${suffix}`);
  // 'wx': an existing key is never overwritten (losing a production private key cannot be undone)
  const write = (suffix: string, content: string, mode: number) => {
    try {
      writeFileSync(file(suffix), content, { mode, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        throw new UsageError(`${file(suffix)} exists; choose another --kid or --out (keys are never overwritten)`);
      throw error;
    }
  };
  write('private.jwk.json', `${JSON.stringify({ ...(await exportJWK(privateKey)), ...meta }, null, 2)}\n`, 0o600);
  write('private.pem', await exportPKCS8(privateKey), 0o600);
  write('public.pem', await exportSPKI(publicKey), 0o644);
  write('public.jwks.json', `${JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), ...meta }] }, null, 2)}\n`, 0o644);
  console.log(`wrote ${file('private.jwk.json')} (keep secret) and ${file('public.jwks.json')} (ship in keys/ or give to operators)`);
}

/** `encode,replication,concurrentEncodes=8` or a JSON object, as the entitlements claim. */
function parseEntitlements(spec: string): Record<string, unknown> {
  if (spec.trim().startsWith('{')) {
    try {
      const parsed = JSON.parse(spec) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // reported below
    }
    throw new UsageError('--entitlements JSON must be an object such as {"capabilities":["encode"],"limits":{"endpoints":5}}');
  }
  const capabilities: string[] = [];
  const limits: Record<string, number> = {};
  for (const item of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!item.includes('=')) capabilities.push(item);
    else {
      const [name, value] = nameValue('entitlements', item);
      limits[name] = number(`entitlements ${name}`, value, { integer: true });
    }
  }
  return { capabilities, limits };
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
      entitlements: { type: 'string' },
      capabilities: { type: 'string' },
      limit: { type: 'string', multiple: true, default: [] },
      extra: { type: 'string', multiple: true, default: [] },
      issuer: { type: 'string', default: 'MpegFlow licensing' },
      audience: { type: 'string', default: 'mpegflow' },
      'token-id': { type: 'string' },
    },
  });
  if (!values.key || !values.customer?.trim()) throw new UsageError('--key PRIVATE.jwk.json and --customer NAME are required');
  if (values.entitlements && (values.capabilities || values.limit.length))
    throw new UsageError('give --entitlements, or --capabilities and --limit, not both');
  let jwk: JWK & { kid?: string; alg?: string };
  try {
    jwk = JSON.parse(readFileSync(values.key, 'utf8')) as typeof jwk;
  } catch (error) {
    throw new UsageError(`cannot read the private key ${values.key}: ${(error as Error).message}`);
  }
  if (!jwk.d || !jwk.kid || (jwk.alg !== 'EdDSA' && jwk.alg !== 'ES256'))
    throw new UsageError(`${values.key} is not a private key made by keygen (a JWK with d, kid and alg EdDSA or ES256)`);
  const key = await importJWK(jwk, jwk.alg);

  const issuedAt = values['issued-at'] ? date('issued-at', values['issued-at']) : new Date();
  const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
  const days = number('days', values.days, { min: 0.0001 });
  const entitlements: Record<string, unknown> = values.entitlements
    ? parseEntitlements(values.entitlements)
    : {
        capabilities: (values.capabilities ?? 'encode,replication,health').split(',').filter(Boolean),
        limits: Object.fromEntries(
          values.limit.map((pair) => {
            const [name, value] = nameValue('limit', pair);
            return [name, number(`limit ${name}`, value, { integer: true })];
          }),
        ),
      };
  for (const pair of values.extra) {
    const [name, value] = nameValue('extra', pair);
    entitlements[name] = value;
  }
  const payload: Record<string, unknown> = {
    entitlements,
    ...(values['grace-days'] ? { grace_days: number('grace-days', values['grace-days'], { integer: true }) } : {}),
  };
  let jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT' })
    .setIssuer(values.issuer)
    .setSubject(values.customer.trim())
    .setAudience(values.audience)
    .setIssuedAt(seconds(issuedAt))
    .setJti(values['token-id'] ?? randomUUID())
    .setExpirationTime(seconds(issuedAt) + Math.round(days * 86_400));
  if (values['not-before']) jwt = jwt.setNotBefore(seconds(date('not-before', values['not-before'])));
  process.stdout.write(`${await jwt.sign(key)}\n`);
}

try {
  if (command === 'keygen') await keygen();
  else if (command === 'sign') await sign();
  else if (command === 'help' || command === '--help' || command === '-h') console.log(USAGE);
  else throw new UsageError(command ? `unknown command '${command}'` : 'no command given');
} catch (error) {
  // parseArgs reports unknown or incomplete options with ERR_PARSE_ARGS_* codes
  const usage = error instanceof UsageError || String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS');
  console.error(`license-issue: ${(error as Error).message}${usage ? `\n${USAGE}` : ''}`);
  process.exit(usage ? 2 : 1);
}
