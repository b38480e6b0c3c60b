import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qualityThresholds, withThresholds } from '../../../../src/core/encode/planning/quality.ts';
import { belowThresholds, psnrScore, ssimScore, vmafScore } from '../../../../src/core/encode/verify/quality-score.ts';

describe('quality scores from ffmpeg statistics', () => {
  it('SSIM: the mean and the worst frame of the All column', () => {
    const text = 'n:1 Y:0.99 U:0.98 V:0.97 All:0.990000 (20.0)\nn:2 Y:0.90 U:0.91 V:0.92 All:0.900000 (10.0)\n';
    assert.deepEqual(ssimScore(text), { frames: 2, score: { mean: 0.945, min: 0.9 } });
    assert.deepEqual(ssimScore(''), { frames: 0, score: { mean: 0, min: 0 } });
  });

  it('PSNR: of the mean squared error over every frame, as ffmpeg sums it; an identical frame counts as 100 dB', () => {
    // mean MSE 2.5 -> 10*log10(65025/2.5) = 44.151 dB; a mean of per-frame PSNRs would say 45.66
    const text = 'n:1 mse_avg:1.00 mse_y:1 psnr_avg:48.13\nn:2 mse_avg:4.00 mse_y:4 psnr_avg:42.11\n';
    assert.deepEqual(psnrScore(text), { frames: 2, score: { mean: 44.151, min: 42.11 } });
    assert.equal(psnrScore('n:1 mse_avg:0.00 psnr_avg:inf\n').score.mean, 100);
  });

  it('VMAF: the vmaf column of libvmaf’s CSV log', () => {
    const text = 'Frame,integer_motion,vmaf\n0,0.0,90.5\n1,1.2,80.5\n';
    assert.deepEqual(vmafScore(text), { frames: 2, score: { mean: 85.5, min: 80.5 } });
    assert.equal(vmafScore('Frame,psnr\n0,40\n').frames, 0);
  });

  it('names each threshold a rendition misses', () => {
    const scores = { ssim: { mean: 0.8, min: 0.7 }, psnr: { mean: 31, min: 25 }, vmaf: null };
    assert.deepEqual(belowThresholds(scores, { minSsim: 0.9, minPsnr: 30, minVmaf: 80 }), ['SSIM 0.8000 < 0.9']);
    assert.deepEqual(belowThresholds(scores, { minSsim: null, minPsnr: 35, minVmaf: null }), ['PSNR 31.00 dB < 35 dB']);
  });

  it('the command line replaces each threshold it gives, keeps the others, and asks for a gate on its own', () => {
    const preset = { minSsim: 0.9, minPsnr: 30, frameStep: 2 };
    assert.deepEqual(withThresholds(preset, { minPsnr: 35 }), { minSsim: 0.9, minPsnr: 35, frameStep: 2 });
    assert.deepEqual(withThresholds(undefined, { minSsim: 0.95 }), { minSsim: 0.95 });
    assert.equal(withThresholds(undefined, {}), undefined);
    assert.deepEqual(qualityThresholds({ minSsim: 0.9 }, { minSsim: 0 }), { minSsim: 0, minPsnr: null, minVmaf: null });
  });
});
