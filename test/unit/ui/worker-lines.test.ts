import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../../../src/core/jobs/model.ts';
import { concurrencyLoweredNote, workerEventLine } from '../../../src/ui/jobs.ts';

const job = { id: 7, attempts: 2, source: 'central/masters/ep1.mxf', destination: 'central/vod/ep1/' } as Job;

describe("the worker's log lines", () => {
  it('one line per event of the run', () => {
    assert.equal(workerEventLine({ type: 'claimed', job }), 'job 7: claimed (attempt 2) central/masters/ep1.mxf -> central/vod/ep1/');
    assert.equal(workerEventLine({ type: 'finished', job, state: 'done' }), 'job 7: done');
    assert.equal(workerEventLine({ type: 'finished', job, state: 'failed', error: 'no video stream' }), 'job 7: failed: no video stream');
    assert.equal(workerEventLine({ type: 'lease-lost', job }), 'job 7: another worker took it over; its outputs were discarded');
    assert.equal(
      workerEventLine({ type: 'store-unavailable', error: 'ECONNREFUSED' }),
      'the state store is unreachable (ECONNREFUSED); running encodes go on, retrying',
    );
    assert.equal(workerEventLine({ type: 'store-back', downMs: 12_600 }), 'the state store answers again (after 13 s)');
  });

  it('names who allows fewer encodes at once than asked for', () => {
    assert.equal(
      concurrencyLoweredNote(4, { concurrency: 1, poolLimit: 1, loweredBy: 'community mode' }),
      'running 1 encode(s) at once, not 4: the community mode allows 1 (see `mpegflow license show`)',
    );
    assert.equal(
      concurrencyLoweredNote(8, { concurrency: 2, poolLimit: 2, loweredBy: 'license' }),
      'running 2 encode(s) at once, not 8: the license allows 2 (see `mpegflow license show`)',
    );
  });
});
