import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPlainProgress, createTtyProgress, progressMode } from '../../../src/ui/encode-progress.ts';

describe('progress rendering', () => {
  it('chooses listr on a terminal, lines otherwise, silence for --json', () => {
    assert.equal(progressMode({ json: false, verbose: false, stderrIsTTY: false, stdoutIsTTY: false }), 'plain');
    assert.equal(progressMode({ json: true, verbose: false, stderrIsTTY: true, stdoutIsTTY: true }), 'quiet');
    assert.equal(progressMode({ json: true, verbose: true, stderrIsTTY: true, stdoutIsTTY: true }), 'plain');
  });

  it('on a terminal, says the warnings of the run under the task list when it is done', async (t) => {
    const written: string[] = [];
    t.mock.method(process.stderr, 'write', (chunk: string | Uint8Array) => written.push(String(chunk)) > 0);
    const { listener, finish } = await createTtyProgress('encode', { destination: 'central/vod/a/' });
    listener({ type: 'warning', at: new Date(), message: 'not checked for unfinished uploads' });
    assert.ok(!written.some((w) => w.includes('warning:')), 'not while the list draws');
    await finish();
    assert.equal(written.at(-1), 'warning: not checked for unfinished uploads\n');
  });

  it('prints timestamped lines and throttles progress', () => {
    const lines: string[] = [];
    let clock = 0;
    const { listener } = createPlainProgress((l) => lines.push(l), { intervalMs: 5000, clock: () => clock });
    const at = new Date('2026-01-01T00:00:00Z');
    listener({ type: 'stage', stage: 'probe', state: 'done', at, detail: 'h264 1920x1080' });
    const encode = {
      type: 'encode' as const,
      at,
      stage: 'encode' as const,
      renditions: ['720p', '360p'],
      attempt: 1,
      outTimeSeconds: 1,
      fps: 50,
      speed: 2,
      etaSeconds: 9,
    };
    listener({ ...encode, percent: 10 });
    clock = 1000;
    listener({ ...encode, percent: 20 });
    clock = 6000;
    listener({ ...encode, percent: 60 });
    listener({ ...encode, percent: 100, etaSeconds: 0 });
    listener({
      type: 'upload',
      at,
      object: '720p/seg_00001.ts',
      objectBytes: 2_500_000,
      bytesUploaded: 5_000_000,
      objectsUploaded: 2,
      done: true,
    });
    assert.deepEqual(lines, [
      '2026-01-01T00:00:00.000Z probe: done (h264 1920x1080)\n',
      '2026-01-01T00:00:00.000Z encode 720p,360p: 10.0% · 50 fps · 2.00x · ETA 9s\n',
      '2026-01-01T00:00:00.000Z encode 720p,360p: 60.0% · 50 fps · 2.00x · ETA 9s\n',
      '2026-01-01T00:00:00.000Z encode 720p,360p: 100.0% · 50 fps · 2.00x\n',
      '2026-01-01T00:00:00.000Z stored 2 objects, 4.8 MiB sent (last: 720p/seg_00001.ts)\n',
    ]);
  });

  it('says how far encode --force got moving the new encode into place, a line at most every interval and at the end', () => {
    const lines: string[] = [];
    let clock = 0;
    const { listener } = createPlainProgress((l) => lines.push(l), { intervalMs: 5000, clock: () => clock });
    const at = new Date('2026-01-01T00:00:00Z');
    listener({ type: 'stage', stage: 'publish', state: 'start', at, detail: '3 outputs' });
    listener({ type: 'publish', at, moved: 1, total: 3 });
    clock = 1000;
    listener({ type: 'publish', at, moved: 2, total: 3 });
    listener({ type: 'publish', at, moved: 3, total: 3 });
    listener({ type: 'stage', stage: 'publish', state: 'done', at });
    assert.deepEqual(lines, [
      '2026-01-01T00:00:00.000Z publish: started (3 outputs)\n',
      '2026-01-01T00:00:00.000Z moved 1/3 outputs into place\n',
      '2026-01-01T00:00:00.000Z moved 3/3 outputs into place\n',
      '2026-01-01T00:00:00.000Z publish: done\n',
    ]);
  });
});
