import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobLogBuffer } from '../../../src/core/jobs/log-buffer.ts';

describe("a running job's log on its way to the store", () => {
  it('keeps lines through a store outage, in order, but no more than the store keeps of a log', async () => {
    const stored: string[] = [];
    let down = true;
    const errors: unknown[] = [];
    const log = new JobLogBuffer(
      async (lines) => {
        if (down) throw new Error('store unavailable');
        stored.push(...lines.map((l) => l.line));
      },
      (error) => errors.push(error),
      5,
    );
    for (let i = 1; i <= 4; i++) log.add(`line ${i}`);
    await log.flush();
    for (let i = 5; i <= 9; i++) log.add(`line ${i}`);
    await log.flush();
    assert.equal(errors.length, 2);
    down = false;
    log.add('line 10');
    await log.flush();
    assert.deepEqual(stored, ['line 6', 'line 7', 'line 8', 'line 9', 'line 10']);
  });

  it('writes one flush at a time: a slow failing one does not let a later one overtake it', async () => {
    const stored: string[] = [];
    let calls = 0;
    const log = new JobLogBuffer(
      async (lines) => {
        if (++calls === 1) {
          await sleep(50);
          throw new Error('timed out');
        }
        stored.push(...lines.map((l) => l.line));
      },
      () => undefined,
    );
    log.add('first');
    const slow = log.flush();
    log.add('second');
    const next = log.flush();
    await Promise.all([slow, next]);
    assert.deepEqual(stored, ['first', 'second']);
  });

  it('keeps the time each line happened, not when a flush after an outage stored it', async () => {
    const stored: { ts: string; line: string }[] = [];
    const log = new JobLogBuffer(
      async (lines) => void stored.push(...lines),
      () => undefined,
    );
    log.add('probe: started', new Date('2026-12-07T10:00:00Z'));
    log.add('encode: started', new Date('2026-12-07T10:00:05Z'));
    await log.flush();
    assert.deepEqual(
      stored.map((l) => l.ts),
      ['2026-12-07T10:00:00.000Z', '2026-12-07T10:00:05.000Z'],
    );
  });
});
