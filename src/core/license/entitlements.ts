import { MpegflowError } from '../errors.ts';
import { describeRollback, trustedTime } from './clock.ts';
import { COMMUNITY, isInvalidLicense, type Capability, type Limits, type VerifiedLicense } from './model.ts';
import { checkToken, installedToken, type LicenseContext } from './store.ts';

export interface Entitlements {
  mode: 'community' | 'licensed';
  customer: string | null;
  capabilities: Capability[];
  limits: Limits;
  /** Why a license on file is not in force (expired, key no longer trusted...), when that is the case. */
  problem: string | null;
  /** The system clock is behind a time already seen (see clock.ts), when that is the case. */
  clockWarning: string | null;
  license: VerifiedLicense | null;
}

const GET_LICENSE = 'a license with it comes from your MpegFlow vendor; install it with `mpegflow license install FILE`';

/**
 * The one place commands ask what they may do: the installed license's
 * entitlements when it is valid (in grace too), else community mode. A
 * license sets the capabilities it lists; a limit it does not set keeps its
 * community value. Pair with requireCapability / requireWithinLimit /
 * limitFor, which name the entitlement when they refuse.
 */
export async function loadEntitlements(ctx: LicenseContext): Promise<Entitlements> {
  const installed = await installedToken(ctx.db);
  const community = (problem: string | null, clockWarning: string | null = null): Entitlements => ({
    mode: 'community',
    customer: null,
    capabilities: [...COMMUNITY.capabilities],
    limits: { ...COMMUNITY.limits },
    problem,
    clockWarning,
    license: null,
  });
  if (!installed) return community(null);
  const before = await trustedTime(ctx.db, (ctx.now ?? (() => new Date()))());
  try {
    const { license, clock } = await checkToken({ ...ctx, now: () => before.systemNow }, installed.token);
    return {
      mode: 'licensed',
      customer: license.claims.customer,
      capabilities: license.claims.capabilities as Capability[],
      limits: { ...COMMUNITY.limits, ...license.claims.limits },
      problem: null,
      clockWarning: clock.rolledBack ? describeRollback(clock) : null,
      license,
    };
  } catch (error) {
    if (!isInvalidLicense(error)) throw error;
    return community(`the installed license is not in force: ${error.message}`, before.rolledBack ? describeRollback(before) : null);
  }
}

function holder(entitlements: Entitlements): string {
  if (entitlements.mode === 'licensed') return `the license of ${entitlements.customer}`;
  return `community mode${entitlements.problem ? ` (${entitlements.problem})` : ''}`;
}

/** Refuses when the capability is not included, naming the entitlement and how to get it. */
export function requireCapability(entitlements: Entitlements, capability: Capability): void {
  if (entitlements.capabilities.includes(capability)) return;
  throw new MpegflowError(`${capability} is not included in ${holder(entitlements)}`, {
    code: 'NOT_LICENSED',
    suggestion: `the '${capability}' entitlement is needed: ${GET_LICENSE}`,
    details: { entitlement: capability, mode: entitlements.mode },
  });
}

/** The value of a limit in force (e.g. how many encodes may run at once). */
export function limitFor(entitlements: Entitlements, limit: keyof Limits): number {
  return entitlements.limits[limit];
}

/** Refuses going past a numeric limit, naming the entitlement. */
export function requireWithinLimit(entitlements: Entitlements, limit: keyof Limits, wanted: number): void {
  const allowed = entitlements.limits[limit];
  if (wanted <= allowed) return;
  throw new MpegflowError(`${wanted} is more than the ${limit} limit of ${allowed} in ${holder(entitlements)}`, {
    code: 'LICENSE_LIMIT',
    suggestion: `a higher '${limit}' entitlement is needed: ${GET_LICENSE}`,
    details: { entitlement: limit, allowed, wanted, mode: entitlements.mode },
  });
}
