import type { HlsPreset } from '../presets/preset-model.ts';
import type { Decision } from './treatments.ts';

/**
 * Per-title ladders: each rung's bitrate chosen from probe encodes of short
 * samples of the source (several CRFs per rung, scored by SSIM), so a rung
 * spends what this title needs to reach the preset's quality target and no
 * more than the fixed ladder would; a rung that saves little over the one
 * above it is dropped. Pure: the analysis (source/ladder-analysis.ts) runs
 * the encodes.
 */

type Rung = HlsPreset['renditions'][number];

/** The CRFs each rung is probed at: wide enough to bracket SSIM 0.9-0.995 on most content. */
export const PROBE_CRFS = [18, 25, 32] as const;

/** A lower rung kept must cost at most this share of the rung above it; otherwise players may as well take the one above. */
export const KEEP_BELOW_SHARE = 0.8;

/** Headroom over the bitrate the samples needed: the whole title varies more than its samples, and ABR lands less exactly than CRF. */
export const HEADROOM = 1.1;

export interface ProbePoint {
  crf: number;
  /** bits per second of the probe encode. */
  bitrate: number;
  ssim: number;
}

export interface LadderAnalysis {
  targetSsim: number;
  /** Where the samples were taken: start and length, seconds. */
  samples: { start: number; seconds: number }[];
  rungs: { name: string; points: ProbePoint[] }[];
  analysisMs: number;
}

export interface PerTitleRung {
  name: string;
  fixedBitrate: string;
  /** The bitrate chosen ("940k"), or null when the rung is dropped. */
  chosen: string | null;
  why: string;
}

/** `n` windows of `seconds`, spread evenly over the picture (the whole of a source shorter than them). */
export function sampleWindows(start: number, duration: number, n: number, seconds: number): { start: number; seconds: number }[] {
  if (duration <= n * seconds * 1.5) return [{ start, seconds: duration }];
  return Array.from({ length: n }, (_, i) => ({
    start: Number((start + ((i + 0.5) * duration) / n - seconds / 2).toFixed(3)),
    seconds,
  }));
}

/** "5000k" / "5M" / "800000" in bits per second. */
export function bitsPerSecond(rate: string): number {
  const value = Number.parseFloat(rate);
  return rate.endsWith('M') ? value * 1e6 : rate.endsWith('k') ? value * 1e3 : value;
}

const kbps = (bits: number) => `${Math.max(1, Math.round(bits / 1000))}k`;

/**
 * The bitrate at which a rung's samples reach `target` SSIM: interpolated
 * between the probe points on log(bitrate); null when even the lowest CRF
 * probed falls short (the fixed ladder's rate is kept then).
 */
export function bitrateFor(points: ProbePoint[], target: number): number | null {
  const sorted = [...points].sort((a, b) => a.bitrate - b.bitrate);
  if (sorted.length === 0) return null;
  if (sorted[0]!.ssim >= target) return sorted[0]!.bitrate;
  for (let i = 1; i < sorted.length; i++) {
    const [lo, hi] = [sorted[i - 1]!, sorted[i]!];
    if (hi.ssim >= target) {
      const t = hi.ssim === lo.ssim ? 1 : (target - lo.ssim) / (hi.ssim - lo.ssim);
      return Math.exp(Math.log(lo.bitrate) + t * (Math.log(hi.bitrate) - Math.log(lo.bitrate)));
    }
  }
  return null;
}

/** Each rung's bitrate for this title, highest rung first, and the rungs dropped, each with its reason. */
export function chooseLadder(rungs: Rung[], analysis: LadderAnalysis): PerTitleRung[] {
  const target = analysis.targetSsim;
  const needs = rungs.map((rung) => {
    const fixed = bitsPerSecond(rung.videoBitrate);
    const points = analysis.rungs.find((r) => r.name === rung.name)?.points ?? [];
    const needed = bitrateFor(points, target);
    if (needed === null)
      return { rung, bits: fixed, why: `SSIM ${target} not reached in the samples below CRF ${Math.min(...PROBE_CRFS)}: the fixed rate` };
    const bits = Math.min(fixed, needed * HEADROOM);
    const why =
      bits === fixed
        ? `SSIM ${target} needs ${kbps(needed)} (+10%) in the samples: the fixed rate is the ceiling`
        : `SSIM ${target} reached at ${kbps(needed)} in the samples, +10%`;
    return { rung, bits, why };
  });
  const chosen: PerTitleRung[] = [];
  let above: { name: string; bits: number } | undefined;
  for (const { rung, bits, why } of needs) {
    const fixedBitrate = rung.videoBitrate;
    if (above && bits > above.bits * KEEP_BELOW_SHARE) {
      chosen.push({
        name: rung.name,
        fixedBitrate,
        chosen: null,
        why: `dropped: it needs ${kbps(bits)}, more than ${Math.round(KEEP_BELOW_SHARE * 100)}% of ${above.name}'s ${kbps(above.bits)}`,
      });
      continue;
    }
    chosen.push({ name: rung.name, fixedBitrate, chosen: kbps(bits), why });
    above = { name: rung.name, bits };
  }
  return chosen;
}

/** The ladder as the encode runs it: kept rungs with their chosen rate, peak and buffer scaled as the preset had them. */
export function perTitleRungs(rungs: Rung[], ladder: PerTitleRung[]): Rung[] {
  return rungs.flatMap((rung) => {
    const choice = ladder.find((l) => l.name === rung.name);
    if (!choice) return [rung];
    if (!choice.chosen) return [];
    const scale = bitsPerSecond(choice.chosen) / bitsPerSecond(rung.videoBitrate);
    return [
      {
        ...rung,
        videoBitrate: choice.chosen,
        maxRate: kbps(bitsPerSecond(rung.maxRate) * scale),
        bufSize: kbps(bitsPerSecond(rung.bufSize) * scale),
      },
    ];
  });
}

export function ladderDecisions(ladder: PerTitleRung[]): Decision[] {
  return ladder.map((l) => ({
    subject: 'ladder',
    from: `${l.name} ${l.fixedBitrate} (fixed ladder)`,
    to: l.chosen ? `${l.chosen}: ${l.why}` : l.why,
  }));
}
