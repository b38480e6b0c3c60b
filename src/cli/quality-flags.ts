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
  'quality-gate': Flags.boolean({
    allowNo: true,
    default: true,
    description:
      'score the renditions against the source when the preset or --min-* set a gate (--no-quality-gate: skip it, and record no scores)',
  }),
};

/** The command line's gate: thresholds replacing the preset's, or `false` to skip the gate. */
export function qualityOverrides(flags: {
  'min-ssim'?: number;
  'min-psnr'?: number;
  'min-vmaf'?: number;
  'quality-gate': boolean;
}): Partial<QualityThresholds> | false {
  const thresholds = { minSsim: flags['min-ssim'], minPsnr: flags['min-psnr'], minVmaf: flags['min-vmaf'] };
  if (flags['quality-gate']) return thresholds;
  const given = Object.entries(thresholds).filter(([, value]) => value !== undefined);
  if (given.length > 0)
    throw usageError(
      `--no-quality-gate skips the gate that ${given.map(([key]) => `--${key.replace('min', 'min-').toLowerCase()}`).join(' and ')} would set`,
      'give one or the other',
    );
  return false;
}
