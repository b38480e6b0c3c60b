import type { HlsPreset } from '../presets/preset-model.ts';
import { rationalValue, type ProbeResult, type Rational } from '../source/probe.ts';

/** The picture of an output: its constant frame rate, its size at the source's display aspect, the ladder rungs that fit. */

const STANDARD_RATES: Rational[] = [
  { num: 24000, den: 1001 },
  { num: 24, den: 1 },
  { num: 25, den: 1 },
  { num: 30000, den: 1001 },
  { num: 30, den: 1 },
  { num: 48, den: 1 },
  { num: 50, den: 1 },
  { num: 60000, den: 1001 },
  { num: 60, den: 1 },
];

/**
 * The constant frame rate for an output: the source's average rate snapped to
 * a standard rate when within 2 %, else rounded; sources above `max` are
 * halved (thirded...) until they fit, so 120 fps becomes 60, not 59.94.
 */
export function outputFrameRate(source: Rational, max: number): Rational {
  let value = rationalValue(source);
  if (value > max) {
    let divisor = 2;
    while (value / divisor > max) divisor++;
    value /= divisor;
  }
  const diff = (rate: Rational) => Math.abs(rationalValue(rate) - value) / rationalValue(rate);
  const closest = STANDARD_RATES.reduce((best, rate) => (diff(rate) < diff(best) ? rate : best));
  if (diff(closest) < 0.02) return closest;
  return { num: Math.max(1, Math.round(value)), den: 1 };
}

export const formatRate = (r: Rational): string => (r.den === 1 ? String(r.num) : `${r.num}/${r.den}`);

/**
 * The rate a CFR output is made at: the average rate, unless the source is
 * variable and its nominal rate is a standard one above the average (a phone
 * clip at "30 fps" that dropped frames is encoded at 30, not 27.4).
 */
export function sourceFrameRate(probe: ProbeResult): Rational {
  const average = probe.video.frameRate;
  const nominal = probe.video.nominalFrameRate;
  if (!nominal || !probe.video.variableFrameRate) return average;
  const n = rationalValue(nominal);
  const standard = STANDARD_RATES.some((r) => Math.abs(rationalValue(r) - n) / n < 0.005);
  return standard && n >= rationalValue(average) && n <= 120 ? nominal : average;
}

export const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);
const evenFloor = (n: number): number => Math.max(2, Math.floor(n / 2) * 2);

/** The source as displayed: storage size stretched by its pixel aspect ratio. */
export function displaySize(probe: ProbeResult): { width: number; height: number } {
  const sar = rationalValue(probe.video.sampleAspectRatio) || 1;
  return { width: probe.video.width * sar, height: probe.video.height };
}

/**
 * Output size for `lines` lines on the short side (height for landscape,
 * width for portrait), even in both dimensions, never above the source.
 */
export function fitSize(probe: ProbeResult, lines: number): { width: number; height: number } {
  const src = displaySize(probe);
  const portrait = src.height > src.width;
  const short = portrait ? src.width : src.height;
  const target = Math.min(evenFloor(lines), evenFloor(short));
  if (portrait) return { width: target, height: even((src.height * target) / src.width) };
  return { width: even((src.width * target) / src.height), height: target };
}

/** Ladder rungs not above the source's short side; at least the lowest rung (then at the source size). */
export function selectRungs(preset: HlsPreset, probe: ProbeResult): HlsPreset['renditions'] {
  const src = displaySize(probe);
  const short = Math.min(src.width, src.height);
  const kept = preset.renditions.filter((r) => r.height <= short);
  return kept.length > 0 ? kept : [preset.renditions[preset.renditions.length - 1]!];
}

export function scaleChain(size: { width: number; height: number }): string {
  return `scale=${size.width}:${size.height}:flags=bicubic,setsar=1`;
}
