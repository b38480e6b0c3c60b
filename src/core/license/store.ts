import type { AuditContext } from '../audit/context.ts';
import { MpegflowError } from '../errors.ts';
import type { Db } from '../store/open.ts';
import { trustedTime, type TrustedTime } from './clock.ts';
import { mergeKeys, operatorKeys, shippedKeys, storeTrustedKeys, type TrustedKey } from './keys.ts';
import type { VerifiedLicense } from './model.ts';

export interface LicenseContext {
  db: Db;
  now?: () => Date;
  /** Where the issuer's shipped public keys are (tests point elsewhere). */
  keysDir?: string;
}

/** The shipped keys, the operator's recorded keys and any given for this run (see mergeKeys). */
export async function trustedKeys(db: Db, keysDir?: string, extra: TrustedKey[] = []): Promise<TrustedKey[]> {
  return mergeKeys(shippedKeys(keysDir), await operatorKeys(db), extra);
}

export async function installedToken(db: Db): Promise<{ token: string; installedAt: string } | undefined> {
  const row = await db.get<{ token: string; installed_at: string }>('SELECT token, installed_at FROM license_installed');
  return row ? { token: row.token, installedAt: row.installed_at } : undefined;
}

export interface CheckResult {
  license: VerifiedLicense;
  clock: TrustedTime;
}

/**
 * Verifies a token against the trusted keys at the trusted time. Once the
 * signature holds, the license's issue time counts as a time seen.
 */
export async function checkToken(ctx: LicenseContext, token: string, extraKeys: TrustedKey[] = []): Promise<CheckResult> {
  // jose and zod load only when there is a token to check
  const { verifyLicense } = await import('./verify.ts');
  const keys = await trustedKeys(ctx.db, ctx.keysDir, extraKeys);
  const clock = await trustedTime(ctx.db, (ctx.now ?? (() => new Date()))());
  const license = await verifyLicense({ token, keys, now: clock.now });
  return { license, clock: await trustedTime(ctx.db, clock.systemNow, [license.claims.issuedAt]) };
}

/**
 * Installs a license: verified first, so an invalid file leaves the installed
 * license as it was. Trusting an operator's key and replacing the license
 * happen in one audited transaction.
 */
export async function installLicense(
  ctx: LicenseContext & { audit: AuditContext; token: string; trust?: TrustedKey[] },
): Promise<CheckResult> {
  const result = await checkToken(ctx, ctx.token, ctx.trust ?? []);
  const { db } = ctx;
  await db.transaction(async (tx) => {
    if (ctx.trust?.length) await storeTrustedKeys(tx, ctx.trust, result.clock.systemNow);
    await tx.run(
      `INSERT INTO license_installed (singleton, token, kid, jti, installed_at) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (singleton) DO UPDATE SET token = excluded.token, kid = excluded.kid, jti = excluded.jti, installed_at = excluded.installed_at`,
      [ctx.token.trim(), result.license.kid, result.license.claims.tokenId, result.clock.systemNow.toISOString()],
    );
    await ctx.audit.record(tx, {
      target: result.license.claims.customer,
      detail: {
        kid: result.license.kid,
        jti: result.license.claims.tokenId,
        expiresAt: result.license.claims.expiresAt,
        state: result.license.state,
        trustedKeys: ctx.trust?.map((k) => ({ kid: k.kid, alg: k.alg, file: k.source })) ?? [],
      },
    });
  });
  return result;
}

export async function removeLicense({ db, audit }: { db: Db; audit: AuditContext }): Promise<{ removed: boolean }> {
  return db.transaction(async (tx) => {
    const { changes } = await tx.run('DELETE FROM license_installed');
    if (changes === 0)
      throw new MpegflowError('no license is installed', {
        code: 'NO_LICENSE',
        suggestion: 'nothing to remove: MpegFlow runs in community mode',
      });
    await audit.record(tx, { target: 'license' });
    return { removed: true };
  });
}
