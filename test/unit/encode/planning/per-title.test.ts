import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bitrateFor,
  bitsPerSecond,
  chooseLadder,
  perTitleRungs,
  sampleWindows,
  type LadderAnalysis,
} from '../../../../src/core/encode/planning/per-title.ts';

const rung = (name: string, height: number, videoBitrate: string) => ({
  name,
  height,
  videoBitrate,
  maxRate: videoBitrate.replace(/\d+/, (n) => String(Math.round(Number(n) * 1.1))),
  bufSize: videoBitrate.replace(/\d+/, (n) => String(Number(n) * 2)),
  audioBitrate: '128k',
});
const ladder = [rung('720p', 720, '2800k'), rung('480p', 480, '1400k'), rung('360p', 360, '800k')];
const analysis = (rungs: Record<string, [number, number][]>): LadderAnalysis => ({
  targetSsim: 0.98,
  samples: [{ start: 0, seconds: 6 }],
  analysisMs: 1,
  rungs: Object.entries(rungs).map(([name, points]) => ({
    name,
    points: points.map(([bitrate, ssim], i) => ({ crf: [32, 25, 18][i]!, bitrate, ssim })),
  })),
});

describe('per-title ladders', () => {
  it('samples spread over the title, or the whole of a short one', () => {
    assert.deepEqual(sampleWindows(0, 60, 3, 2), [
      { start: 9, seconds: 2 },
      { start: 29, seconds: 2 },
      { start: 49, seconds: 2 },
    ]);
    assert.deepEqual(sampleWindows(0, 8, 3, 2), [{ start: 0, seconds: 8 }]);
  });

  it('reads bitrates as ffmpeg does', () => {
    assert.deepEqual(['5M', '2800k', '64000'].map(bitsPerSecond), [5e6, 2.8e6, 64000]);
  });

  it('finds the rate reaching the target between probe points, on log(bitrate)', () => {
    const points = [
      { crf: 32, bitrate: 250_000, ssim: 0.95 },
      { crf: 25, bitrate: 1_000_000, ssim: 0.99 },
    ];
    assert.equal(Math.round(bitrateFor(points, 0.97)!), 500_000);
    assert.equal(bitrateFor(points, 0.9), 250_000, 'already above the target at the highest CRF: the cheapest point');
    assert.equal(bitrateFor(points, 0.995), null, 'out of reach: no rate');
  });

  it('a static title spends far less than the fixed ladder; rungs that save under 20% of the one above are dropped', () => {
    const chosen = chooseLadder(
      ladder,
      analysis({
        '720p': [
          [300_000, 0.985],
          [600_000, 0.992],
          [1_200_000, 0.996],
        ],
        '480p': [
          [280_000, 0.986],
          [500_000, 0.993],
          [900_000, 0.997],
        ],
        '360p': [
          [100_000, 0.984],
          [200_000, 0.991],
          [400_000, 0.995],
        ],
      }),
    );
    assert.deepEqual(
      chosen.map((c) => [c.name, c.chosen]),
      [
        ['720p', '330k'],
        ['480p', null],
        ['360p', '110k'],
      ],
    );
    assert.match(chosen[1]!.why, /dropped: it needs 308k, more than 80% of 720p's 330k/);
    const rungs = perTitleRungs(ladder, chosen);
    assert.deepEqual(
      rungs.map((r) => [r.name, r.videoBitrate, r.maxRate, r.bufSize]),
      [
        ['720p', '330k', '363k', '660k'],
        ['360p', '110k', '121k', '220k'],
      ],
    );
  });

  it('never spends more than the fixed rung, and keeps it where the target is out of reach', () => {
    const chosen = chooseLadder(
      ladder,
      analysis({
        '720p': [
          [2_000_000, 0.9],
          [4_000_000, 0.95],
          [8_000_000, 0.97],
        ],
        '480p': [
          [600_000, 0.95],
          [1_300_000, 0.975],
          [2_000_000, 0.985],
        ],
      }),
    );
    assert.equal(chosen[0]!.chosen, '2800k');
    assert.match(chosen[0]!.why, /not reached .* the fixed rate/);
    assert.equal(chosen[1]!.chosen, '1400k');
    assert.match(chosen[1]!.why, /the fixed rate is the ceiling/);
    assert.equal(chosen[2]!.chosen, '800k', 'a rung without probe points keeps its rate');
  });
});
