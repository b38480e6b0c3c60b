import { isMpegflowError, MpegflowError } from '../errors.ts';
import { COMMUNITY, type Capability, type Limits, type VerifiedLicense } from './model.ts';
import { checkToken, installedToken, type LicenseContext } from './store.ts';

export interface Entitlements {
  mode: 'community' | 'licensed';
  customer: string | null;
  capabilities: Capability[];
  limits: Limits;
  /** Why a license on file is not in force (expired, key no longer trusted...), when that is the case. */
  problem: string | null;
  license: VerifiedLicense | null;
}

const GET_LICENSE = 'a license with it comes from your MpegFlow vendor; install it with `mpegflow license install FILE`';

/** The one place commands ask what they may do: the installed license's entitlements, or community mode. */
export async function loadEntitlements(ctx: LicenseContext): Promise<Entitlements> {
  const installed = installedToken(ctx.db);
  const community = (problem: string | null): Entitlements => ({
    mode: 'community',
    customer: null,
    capabilities: [...COMMUNITY.capabilities],
    limits: { ...COMMUNITY.limits },
    problem,
    license: null,
  });
  if (!installed) return community(null);
  try {
    const { license } = await checkToken(ctx, installed.token);
    return {
      mode: 'licensed',
      customer: license.claims.customer,
      capabilities: license.claims.capabilities as Capability[],
      limits: { ...COMMUNITY.limits, ...license.claims.limits },
      problem: null,
      license,
    };
  } catch (error) {
    if (!isMpegflowError(error)) throw error;
    return community(`the installed license is not in force: ${error.message}`);
  }
}

export function requireCapability(entitlements: Entitlements, capability: Capability): void {
  if (entitlements.capabilities.includes(capability)) return;
  const where =
    entitlements.mode === 'community'
      ? `community mode${entitlements.problem ? ` (${entitlements.problem})` : ''}`
      : `the license of ${entitlements.customer}`;
  throw new MpegflowError(`${capability} is not included in ${where}`, {
    code: 'NOT_LICENSED',
    suggestion: `the '${capability}' entitlement is needed: ${GET_LICENSE}`,
  });
}

/** Refuses going past a numeric limit, naming the entitlement. */
export function requireWithinLimit(entitlements: Entitlements, limit: keyof Limits, wanted: number): void {
  const allowed = entitlements.limits[limit];
  if (wanted <= allowed) return;
  throw new MpegflowError(
    `${wanted} is more than the ${limit} limit of ${allowed} in ${entitlements.mode === 'community' ? 'community mode' : `the license of ${entitlements.customer}`}`,
    {
      code: 'LICENSE_LIMIT',
      suggestion: `a higher '${limit}' entitlement is needed: ${GET_LICENSE}`,
    },
  );
}
