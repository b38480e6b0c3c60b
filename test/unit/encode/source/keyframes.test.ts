import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyframeSpacing } from '../../../../src/core/encode/source/keyframes.ts';

describe('keyframe spacing from packets', () => {
  it('measures keyframe to keyframe in decode order, B-frames shown late included', () => {
    // I P B B ... every 2 s; the B-frames' pts come after the P's they follow in decode order
    const csv = ['10.000,K__', '10.120,___', '10.040,___', '10.080,___', '12.000,K__', '12.120,___', '14.000,K__', '14.040,___', ''].join(
      '\n',
    );
    assert.deepEqual(keyframeSpacing(csv), { maxIntervalSeconds: 2, atSeconds: 10, keyframes: 3 });
  });

  it('counts the run from the last keyframe to the last packet read: a GOP longer than the window read is seen', () => {
    const csv = ['0.000,K__', '...', '2.000,K__', ...Array.from({ length: 200 }, (_, i) => `${(2.04 + i * 0.04).toFixed(3)},___`)].join(
      '\n',
    );
    const spacing = keyframeSpacing(csv);
    assert.equal(spacing.atSeconds, 2);
    assert.ok(Math.abs(spacing.maxIntervalSeconds - 8) < 1e-9, String(spacing.maxIntervalSeconds));
  });

  it('no packets: nothing measured', () => {
    assert.deepEqual(keyframeSpacing(''), { maxIntervalSeconds: 0, atSeconds: 0, keyframes: 0 });
  });
});
