import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgressParser, progressFigures, type FfmpegProgress } from '../../../src/core/encode/progress.ts';
import { createPlainProgress, formatBytes, formatSeconds, progressMode } from '../../../src/ui/encode-progress.ts';

const block = `frame=120
fps=59.8
stream_0_0_q=28.0
bitrate=N/A
total_size=1048576
out_time_us=4000000
out_time_ms=4000000
out_time=00:00:04.000000
dup_frames=0
drop_frames=0
speed=2.5x
progress=continue`;

describe('ffmpeg -progress parsing', () => {
  it('turns each block into numbers, percent and ETA', () => {
    const seen: FfmpegProgress[] = [];
    const feed = createProgressParser((p) => seen.push(p));
    for (const line of block.split('\n')) feed(line);
    for (const line of block.replace('out_time_us=4000000', 'out_time_us=N/A').replace('progress=continue', 'progress=end').split('\n'))
      feed(line);
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[0], { frame: 120, fps: 59.8, outTimeSeconds: 4, speed: 2.5, totalSize: 1048576, ended: false });
    assert.deepEqual(progressFigures(seen[0]!, 10), { percent: 40, etaSeconds: 2 });
    assert.equal(seen[1]!.ended, true);
    assert.deepEqual(progressFigures(seen[1]!, 10), { percent: 100, etaSeconds: 0 });
    assert.deepEqual(progressFigures({ ...seen[0]!, speed: null }, 10), { percent: 40, etaSeconds: null });
  });
});

describe('progress rendering', () => {
  it('chooses listr on a terminal, lines otherwise, silence for --json', () => {
    assert.equal(progressMode({ json: false, verbose: false, stderrIsTTY: false, stdoutIsTTY: false }), 'plain');
    assert.equal(progressMode({ json: true, verbose: false, stderrIsTTY: true, stdoutIsTTY: true }), 'quiet');
    assert.equal(progressMode({ json: true, verbose: true, stderrIsTTY: true, stdoutIsTTY: true }), 'plain');
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
      '2026-01-01T00:00:00.000Z stored 2 objects, 5.0 MB sent (last: 720p/seg_00001.ts)\n',
    ]);
  });

  it('formats sizes and durations for people', () => {
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1_500_000), '1.5 MB');
    assert.equal(formatSeconds(59), '59s');
    assert.equal(formatSeconds(125), '2m05s');
    assert.equal(formatSeconds(7300), '2h01m');
  });
});
