import { Flags } from '@oclif/core';
import { usageError } from '../core/errors.ts';
import type { QualityThresholds } from '../core/encode/planning/quality.ts';

/** A score threshold: a number in the metric's range, or a usage error (exit 2) that says the range. */
function thresholdFlag(name: string, max: number, description: string) {
  return Flags.custom<number>({
    description,
    parse: async (value) => {
      const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
      if (!(n >= 0 && n <= max)) throw usageError(`--${name} must be a number from 0 to ${max}, not '${value}'`);
      return n;
    },
  })();
}

/** The quality gate's thresholds on the command line; each replaces the preset's. */
export const qualityFlags = {
  'min-ssim': thresholdFlag(
    'min-ssim',
    1,
    "fail the encode, publishing nothing, if a rendition's mean SSIM against the source is below this (0-1)",
  ),
  'min-psnr': thresholdFlag('min-psnr', 100, "the same for each rendition's PSNR, in dB"),
  'min-vmaf': thresholdFlag('min-vmaf', 100, 'the same for VMAF (0-100); needs an ffmpeg built with libvmaf'),
};

export function qualityOverrides(flags: { 'min-ssim'?: number; 'min-psnr'?: number; 'min-vmaf'?: number }): Partial<QualityThresholds> {
  return { minSsim: flags['min-ssim'], minPsnr: flags['min-psnr'], minVmaf: flags['min-vmaf'] };
}
