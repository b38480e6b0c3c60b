import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { untilInterrupted } from '../../../src/cli/cancellation.ts';

/** Runs a piece of work that the given signal interrupts; what each run's stop heard. */
async function interruptedBy(name: NodeJS.Signals, heard: string[]): Promise<boolean> {
  return untilInterrupted(
    async (signal) => {
      const aborted = once(signal, 'abort');
      process.emit(name, name);
      await aborted;
      return signal.aborted;
    },
    (signal) => heard.push(signal),
  );
}

describe('untilInterrupted', () => {
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    it(`aborts the work on ${name}, says which signal came, and only the run under way hears it`, async () => {
      const first: string[] = [];
      assert.equal(await interruptedBy(name, first), true);
      const listeners = process.listenerCount(name);
      const second: string[] = [];
      assert.equal(await interruptedBy(name, second), true);
      assert.deepEqual([first, second], [[name], [name]], 'a finished run no longer hears the signal');
      assert.equal(process.listenerCount(name), listeners, 'one process-wide listener, however many runs');
    });
  }

  it('lets go of the run when the work fails', async () => {
    const failed: string[] = [];
    await assert.rejects(
      untilInterrupted(
        async () => {
          throw new Error('boom');
        },
        (signal) => failed.push(signal),
      ),
      /boom/,
    );
    const next: string[] = [];
    await interruptedBy('SIGINT', next);
    assert.deepEqual([failed, next], [[], ['SIGINT']]);
  });
});
