import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StoreOutage, type OutageEvent } from '../../../src/core/jobs/store-outage.ts';

it('tells of an outage once as it starts, again each minute it lasts, and once when the store answers', () => {
  let now = 0;
  const told: OutageEvent[] = [];
  const outage = new StoreOutage((e) => told.push(e), { remindMs: 60_000, now: () => now });
  outage.answered();
  assert.equal(told.length, 0, 'nothing to tell while the store answers');
  for (now = 1000; now <= 125_000; now += 3000) outage.failed('connect ECONNREFUSED');
  assert.deepEqual(
    told.map((e) => e.type),
    ['store-unavailable', 'store-unavailable', 'store-unavailable'],
    'at the start, after one minute and after two, not at each of the 42 failed heartbeats',
  );
  now = 130_000;
  outage.answered();
  outage.answered();
  assert.deepEqual(told.at(-1), { type: 'store-back', downMs: 129_000 });
  assert.equal(told.length, 4);
  now = 200_000;
  outage.failed('again');
  assert.deepEqual(told.at(-1), { type: 'store-unavailable', error: 'again' }, 'a new outage is told at once');
});
