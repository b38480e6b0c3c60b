import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { every } from '../../../src/core/jobs/ticker.ts';

describe('every (heartbeats)', () => {
  it('runs one tick at a time, and stop() returns only once the tick in flight has ended', async () => {
    let running = 0;
    let overlapped = false;
    let ended = 0;
    const ticker = every(10, async () => {
      running++;
      overlapped ||= running > 1;
      await sleep(35);
      running--;
      ended++;
    });
    await sleep(60);
    await ticker.stop();
    assert.equal(running, 0, 'no tick still running after stop()');
    assert.equal(overlapped, false);
    const after = ended;
    await sleep(40);
    assert.equal(ended, after, 'no tick after stop()');
  });
});
