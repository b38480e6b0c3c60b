import type { Db } from '../store/open.ts';
import { loadEntitlements, requireCapability, type Entitlements } from './entitlements.ts';

/** The entitlements of a host about to encode (`encode`, `worker`): refused, naming the entitlement, without the 'encode' capability. */
export async function encodeEntitlements(db: Db): Promise<Entitlements> {
  const entitlements = await loadEntitlements({ db });
  requireCapability(entitlements, 'encode');
  return entitlements;
}

/** How many encodes a worker runs at once: what was asked for, at most what the license allows. */
export interface WorkerConcurrency {
  concurrency: number;
  /** The license's limit on encodes at once (for the whole pool). */
  poolLimit: number;
  /** Who lowered it, when it is lower than asked. */
  loweredBy: 'community mode' | 'license' | null;
}

export function workerConcurrency(entitlements: Entitlements, asked: number): WorkerConcurrency {
  const poolLimit = entitlements.limits.concurrentEncodes;
  const concurrency = Math.min(asked, poolLimit);
  const loweredBy = concurrency >= asked ? null : entitlements.mode === 'community' ? 'community mode' : 'license';
  return { concurrency, poolLimit, loweredBy };
}
