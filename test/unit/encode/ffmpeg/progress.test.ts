import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgressParser, progressFigures, type FfmpegProgress } from '../../../../src/core/encode/ffmpeg/progress.ts';

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
