import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { AuditContext } from '../../../src/core/audit/context.ts';
import { submitRequested, type SubmitDeps, type SubmitRequest } from '../../../src/core/jobs/submit-request.ts';
import { tempHome } from '../../support/cli.ts';
import { freshStores } from '../../support/store.ts';

const nextStore = freshStores();
const { home, cleanup } = tempHome('mpegflow-submit-request-');
after(cleanup);
mkdirSync(path.join(home, 'in'));
const clip = path.join(home, 'in', 'clip.mov');
writeFileSync(clip, 'not really a movie');
writeFileSync(path.join(home, 'in', 'notes.txt'), 'not media');

const request = (extra: Partial<SubmitRequest> = {}): SubmitRequest => ({
  inputs: [clip],
  recursive: false,
  preset: 'hls-h264',
  priority: 0,
  maxAttempts: 3,
  ...extra,
});

async function deps(interruptible?: SubmitDeps['interruptible']): Promise<SubmitDeps> {
  return {
    db: await nextStore(),
    audit: async () => new AuditContext('job submit', []),
    onNote: () => undefined,
    interruptible: interruptible ?? ((work) => work(new AbortController().signal)),
  };
}

describe('a submission from the command line', () => {
  it('with a preset: one job per source, beside it by default; again, it is skipped', async () => {
    const d = await deps();
    const first = await submitRequested(request(), d);
    assert.equal(first.counts.submitted, 1);
    assert.equal(first.submitted[0]?.preset, 'hls-h264');
    assert.equal(first.submitted[0]?.destination, path.join(home, 'in', 'clip.hls-h264'));
    const again = await submitRequested(request(), d);
    assert.deepEqual(again.counts, { submitted: 0, skipped: 1, notMedia: 0 });
  });

  it('with a preset and --to for one source: the outputs go into --to itself', async () => {
    const to = path.join(home, 'web') + path.sep;
    const result = await submitRequested(request({ preset: 'mp4-h264', to }), await deps());
    assert.equal(result.submitted[0]?.destination, path.join(home, 'web'));
    assert.equal(result.submitted[0]?.preset, 'mp4-h264');
  });

  it('a folder with --recursive leaves out what is not media', async () => {
    const result = await submitRequested(request({ inputs: [path.join(home, 'in')], recursive: true }), await deps());
    assert.deepEqual(result.counts, { submitted: 1, skipped: 0, notMedia: 1 });
  });

  it('with --route auto and no rules, the source is refused and nothing is queued', async () => {
    const d = await deps();
    await assert.rejects(submitRequested(request({ route: 'auto' }), d), { code: 'NO_ROUTE' });
    assert.equal((await submitRequested(request(), d)).counts.submitted, 1, 'the refused submission queued nothing');
  });

  it('a Ctrl-C during the listing queues nothing and exits 130', async () => {
    const d = await deps(async (work) => {
      const controller = new AbortController();
      controller.abort();
      return work(controller.signal);
    });
    await assert.rejects(submitRequested(request(), d), {
      code: 'CANCELLED',
      exitCode: 130,
      message: 'the submission was cancelled: nothing was queued',
    });
    assert.equal(
      (await submitRequested(request(), { ...d, interruptible: (work) => work(new AbortController().signal) })).counts.submitted,
      1,
    );
  });
});
