import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { untilInterrupted } from '../../../src/cli/cancellation.ts';

describe('untilInterrupted', () => {
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    it(`aborts the work on ${name}, says which signal came, and lets go of the signal afterwards`, async () => {
      const before = process.listenerCount(name);
      const heard: string[] = [];
      const result = await untilInterrupted(
        async (signal) => {
          const aborted = once(signal, 'abort');
          process.emit(name, name);
          await aborted;
          return signal.aborted;
        },
        (signal) => heard.push(signal),
      );
      assert.equal(result, true);
      assert.deepEqual(heard, [name]);
      assert.equal(process.listenerCount(name), before);
    });
  }

  it('lets go of the signals when the work fails', async () => {
    const before = process.listenerCount('SIGINT');
    await assert.rejects(
      untilInterrupted(async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(process.listenerCount('SIGINT'), before);
  });
});
