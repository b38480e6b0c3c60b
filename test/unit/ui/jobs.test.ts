import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderBothWays } from '../../support/tty.ts';
import type { Job, JobDetail } from '../../../src/core/jobs/model.ts';
import {
  attemptsLine,
  renderCancelled,
  renderJobDetail,
  renderJobList,
  renderSubmitted,
  renderWorkerRun,
  triesCell,
} from '../../../src/ui/jobs.ts';

const job: Job = {
  id: 7,
  jobKey: 'k7',
  source: 'central/masters/ep1.mxf',
  sourceIdentity: 'etag-1',
  preset: 'hls-h264',
  presetFile: null,
  presetHash: 'h',
  destination: 'central/web/ep1/',
  priority: 0,
  needs: ['endpoint:central'],
  customer: 'acme',
  class: null,
  route: null,
  retention: null,
  state: 'running',
  attempts: 1,
  lostLeases: 0,
  maxAttempts: 3,
  notBefore: 0,
  leaseOwner: 'host:1:abc',
  leaseExpiresAt: null,
  leaseGeneration: 1,
  cancelRequested: true,
  lastError: null,
  result: null,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:01:00Z',
  startedAt: '2026-01-01T00:00:30Z',
  finishedAt: null,
  lastHost: 'host',
};

describe('job rendering', () => {
  it('lists jobs as a bordered table on a terminal and as plain columns otherwise', () => {
    const [tty, plain] = renderBothWays((tty) => renderJobList([job], tty));
    for (const text of [tty, plain]) {
      assert.match(text, /cancelling/);
      assert.match(text, /1\/3/);
      assert.match(text, /central\/masters\/ep1\.mxf/);
    }
    assert.match(renderJobList([], false), /^No jobs\. Queue some/);
  });

  it('shows a job with its attempts, outputs and log tail', () => {
    const detail: JobDetail = {
      ...job,
      result: { outputs: [{ name: 'master.m3u8', size: 321 }] },
      attemptsLog: [{ attempt: 1, worker: 'w', host: 'host', generation: 1, startedAt: 's', finishedAt: null, outcome: null, error: null }],
      waiting: null,
      logTail: [{ ts: '2026-01-01T00:00:31Z', line: 'encode 10%' }],
    };
    for (const tty of [true, false]) {
      const text = renderJobDetail(detail, tty);
      assert.match(text, /^Job\s+7$/m);
      assert.match(text, /running \(cancel requested\)/);
      assert.match(text, /\nAttempts:\n/);
      assert.match(text, /master\.m3u8.*321/);
      assert.match(text, /\nLog \(tail\):\n {2}2026-01-01T00:00:31Z {2}encode 10%$/);
    }
  });

  it('counts tries as they stand: an ended job has none left, a done one used no failure on its success', () => {
    const done = { ...job, state: 'done' as const, attempts: 1 };
    assert.equal(triesCell(done), '1');
    assert.equal(triesCell(job), '1/3');
    assert.equal(attemptsLine(done), '1 (done; 0 failed before)');
    assert.equal(
      attemptsLine({ ...done, attempts: 3, lostLeases: 1 }),
      '3 (done; 1 failed before; 1 lost to workers that stopped or died)',
    );
    assert.equal(
      attemptsLine({ ...job, state: 'failed', attempts: 1 }),
      '1 (failed for good after 1 of 3 allowed failures: the error is not one a new try cures)',
    );
    assert.equal(attemptsLine({ ...job, state: 'failed', attempts: 3 }), '3 (failed: all 3 allowed failures used)');
    assert.equal(
      attemptsLine({ ...job, state: 'queued', attempts: 2, lostLeases: 1 }),
      '2 (1 of 3 allowed failures used; 1 lost to workers that stopped or died)',
    );
  });

  it('says what was queued and skipped, and what runs it', () => {
    const text = renderSubmitted(
      { submitted: [job], skipped: [], notMedia: [], counts: { submitted: 1, skipped: 0, notMedia: 0 }, jobIds: '7' },
      false,
    );
    assert.match(text, /1 job queued, 0 skipped/);
    assert.match(text, /Run them with: mpegflow worker --drain$/);
    assert.equal(
      renderSubmitted({ submitted: [], skipped: [], notMedia: [], counts: { submitted: 0, skipped: 3, notMedia: 0 }, jobIds: '' }, true),
      '0 jobs queued, 3 skipped (already queued, running or done).',
    );
    const many = Array.from({ length: 1000 }, (_, i) => ({ ...job, id: i + 1 }));
    const summed = renderSubmitted(
      { submitted: many, skipped: [], notMedia: [], counts: { submitted: 120_000, skipped: 0, notMedia: 0 }, jobIds: '1-120000' },
      false,
    );
    assert.equal(
      summed.split('\n').findIndex((l) => l.startsWith('…')),
      1 + 50,
      'a heading and the first 50 jobs, then the sum',
    );
    assert.match(summed, /… and 119950 more: jobs 1-120000/);
    assert.equal(renderCancelled({ ...job, state: 'cancelled' }), 'Job 7 cancelled.');
  });

  it('sums up a worker run', () => {
    const run = { worker: 'w1', host: 'h', stoppedBy: 'drained' as const };
    assert.equal(renderWorkerRun({ ...run, jobs: [] }, false), 'No jobs were ready.');
    for (const tty of [true, false]) {
      const text = renderWorkerRun(
        {
          ...run,
          jobs: [
            { id: 7, source: 's', state: 'done' },
            { id: 8, source: 's', state: 'failed', error: 'bad media' },
          ],
        },
        tty,
      );
      assert.match(text, /bad media/);
      assert.match(text, /Worker w1: 1 done, 1 failed \(stopped: drained\)\.$/);
    }
  });
});

describe('tables that fit', () => {
  const long = (i: number) => ({
    ...job,
    id: i,
    source: `central/masters/2026/season-04/episode-${i}/camera-a/interview-wide-take-${i}.mov`,
    destination: `central/vod/2026/season-04/episode-${i}/interview-wide-take-${i}.hls-h264/`,
  });
  // eslint-disable-next-line no-control-regex -- the bold headings' escapes take no columns
  const widest = (text: string) => Math.max(...text.split('\n').map((l) => [...l.replace(/\x1b\[[0-9;]*m/g, '')].length));

  for (const columns of [80, 110]) {
    it(`job list on a ${columns}-column terminal: no line wider, paths cut in the middle`, () => {
      process.env.COLUMNS = String(columns);
      try {
        const text = renderJobList([long(1), long(2)], true);
        assert.ok(widest(text) <= columns, `${widest(text)} columns:\n${text}`);
        assert.match(text, /centr\S*…\S*\.mov/);
      } finally {
        delete process.env.COLUMNS;
      }
    });
  }

  it('not on a terminal: one row per line, nothing cut', () => {
    const text = renderJobList([long(1), long(2)], false);
    assert.equal(text.split('\n').length, 3);
    assert.ok(text.includes(long(1).source) && text.includes(long(2).destination));
    assert.doesNotMatch(text, /…/);
  });

  it('a worker run says each error once, whole, under the table', () => {
    const error = 'a rendition scores below the quality gate: 180p (SSIM 0.8323 < 0.9, PSNR 24.80 dB < 30 dB); nothing was published';
    const text = renderWorkerRun(
      { worker: 'w1', host: 'h', stoppedBy: 'drained', jobs: [{ id: 8, source: 's', state: 'failed', error }] },
      false,
    );
    assert.equal(text.split(error).length - 1, 1);
    assert.match(text, new RegExp(`^job 8 failed: ${error.replace(/[().<]/g, '\\$&')}$`, 'm'));
    assert.ok(widest(text.split('\n')[0]!) < 40, 'the table row stays narrow');
  });
});
