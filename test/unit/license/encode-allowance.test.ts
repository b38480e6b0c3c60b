import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Entitlements } from '../../../src/core/license/entitlements.ts';
import { encodeEntitlements, workerConcurrency } from '../../../src/core/license/encode-allowance.ts';
import { COMMUNITY } from '../../../src/core/license/model.ts';
import { freshStores } from '../../support/store.ts';

const nextStore = freshStores();

const entitlements = (mode: Entitlements['mode'], concurrentEncodes: number): Entitlements => ({
  mode,
  customer: mode === 'licensed' ? 'Studio Nord' : null,
  capabilities: ['encode'],
  limits: { ...COMMUNITY.limits, concurrentEncodes },
  problem: null,
  clockWarning: null,
  license: null,
});

describe('what the license allows an encoding host', () => {
  it('community mode may encode, one at a time', async () => {
    const allowed = await encodeEntitlements(await nextStore());
    assert.equal(allowed.mode, 'community');
    assert.equal(allowed.limits.concurrentEncodes, COMMUNITY.limits.concurrentEncodes);
  });

  it('a worker runs as many encodes as asked when the license allows them', () => {
    assert.deepEqual(workerConcurrency(entitlements('licensed', 8), 4), { concurrency: 4, poolLimit: 8, loweredBy: null });
    assert.deepEqual(workerConcurrency(entitlements('licensed', 4), 4), { concurrency: 4, poolLimit: 4, loweredBy: null });
  });

  it('asked for more, it runs what the license allows and says who lowered it', () => {
    assert.deepEqual(workerConcurrency(entitlements('licensed', 2), 6), { concurrency: 2, poolLimit: 2, loweredBy: 'license' });
    assert.deepEqual(workerConcurrency(entitlements('community', 1), 3), { concurrency: 1, poolLimit: 1, loweredBy: 'community mode' });
  });
});
