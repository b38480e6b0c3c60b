import type { AuditContext } from '../audit/context.ts';
import { MpegflowError } from '../errors.ts';
import type { Db } from '../store/open.ts';
import { trustedTime, type TrustedTime } from './clock.ts';
import { mergeKeys, operatorKeys, shippedKeys, storeTrustedKeys, type TrustedKey } from './keys.ts';
import type { VerifiedLicense } from './model.ts';
import { verifyLicense } from './verify.ts';

export interface LicenseContext {
  db: Db;
  now?: () => Date;
  /** Where the issuer's shipped public keys are (tests point elsewhere). */
  keysDir?: string;
}

/** The shipped keys, the operator's recorded keys and any given for this run (see mergeKeys). */
export function trustedKeys(db: Db, keysDir?: string, extra: TrustedKey[] = []): TrustedKey[] {
  return mergeKeys(shippedKeys(keysDir), operatorKeys(db), extra);
}

export function installedToken(db: Db): { token: string; installedAt: string } | undefined {
  return db
    .prepare<[], { token: string; installed_at: string }>('SELECT token, installed_at FROM license_installed')
    .all()
    .map((r) => ({ token: r.token, installedAt: r.installed_at }))[0];
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
  const keys = trustedKeys(ctx.db, ctx.keysDir, extraKeys);
  const clock = trustedTime(ctx.db, (ctx.now ?? (() => new Date()))());
  const license = await verifyLicense({ token, keys, now: clock.now });
  return { license, clock: trustedTime(ctx.db, clock.systemNow, [license.claims.issuedAt]) };
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
  db.transaction(() => {
    if (ctx.trust?.length) storeTrustedKeys(db, ctx.trust, result.clock.systemNow);
    db.prepare(
      `INSERT INTO license_installed (singleton, token, kid, jti, installed_at) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (singleton) DO UPDATE SET token = excluded.token, kid = excluded.kid, jti = excluded.jti, installed_at = excluded.installed_at`,
    ).run(ctx.token.trim(), result.license.kid, result.license.claims.tokenId, result.clock.systemNow.toISOString());
    ctx.audit.record(db, {
      target: result.license.claims.customer,
      detail: {
        kid: result.license.kid,
        jti: result.license.claims.tokenId,
        expiresAt: result.license.claims.expiresAt,
        state: result.license.state,
        trustedKeys: ctx.trust?.map((k) => ({ kid: k.kid, alg: k.alg, file: k.source })) ?? [],
      },
    });
  }).immediate();
  return result;
}

export function removeLicense({ db, audit }: { db: Db; audit: AuditContext }): { removed: boolean } {
  return db
    .transaction(() => {
      const { changes } = db.prepare('DELETE FROM license_installed').run();
      if (changes === 0)
        throw new MpegflowError('no license is installed', {
          code: 'NO_LICENSE',
          suggestion: 'nothing to remove: MpegFlow runs in community mode',
        });
      audit.record(db, { target: 'license' });
      return { removed: true };
    })
    .immediate();
}
