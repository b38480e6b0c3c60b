import type { QualitySettings } from '../presets/preset-model.ts';

/**
 * What the quality gate scores, decided with the plan: each rendition's
 * media in the work folder and its reference, which is the source through
 * the encode's own picture chain (deinterlace, tone map, frame rate) scaled
 * to the rendition's size with the same scaler and pixel format. The
 * reference is written down in the manifest, so `verify --quality` scores
 * the same thing again.
 */

export interface QualityThresholds {
  minSsim: number | null;
  minPsnr: number | null;
  minVmaf: number | null;
}

export interface QualityPlan {
  /** The source's video through the encode's treatment, up to the split per rendition: `[0:N]bwdif=...,fps=25`. */
  head: string;
  /** One frame in this many is scored (1: every frame), chosen by its time on both sides. */
  frameStep: number;
  /** The outputs' constant frame rate (`25`, `30000/1001`): a frame's number is its time times this. */
  frameRate: string;
  thresholds: QualityThresholds;
  renditions: { name: string; media: string; reference: string }[];
}

/** The thresholds the run gates on: the preset's, each replaced by the command line's where given. */
export function qualityThresholds(settings: QualitySettings | undefined, overrides: Partial<QualityThresholds> = {}): QualityThresholds {
  const pick = (key: keyof QualityThresholds) => overrides[key] ?? settings?.[key] ?? null;
  return { minSsim: pick('minSsim'), minPsnr: pick('minPsnr'), minVmaf: pick('minVmaf') };
}

/** A preset's gate with the command line's thresholds merged in; undefined when neither asks for one. */
export function withThresholds(
  settings: QualitySettings | undefined,
  overrides: Partial<QualityThresholds> = {},
): QualitySettings | undefined {
  const thresholds = qualityThresholds(settings, overrides);
  if (!settings && Object.values(thresholds).every((t) => t === null)) return undefined;
  const set = Object.fromEntries(Object.entries(thresholds).filter(([, value]) => value !== null));
  return { ...settings, ...set };
}

export function qualityPlan(
  settings: QualitySettings | undefined,
  head: string,
  frameRate: string,
  renditions: { name: string; media: string; scale: string }[],
): QualityPlan | undefined {
  if (!settings) return undefined;
  return {
    head,
    frameStep: settings.frameStep ?? 1,
    frameRate,
    thresholds: qualityThresholds(settings),
    renditions: renditions.map((r) => ({ name: r.name, media: r.media, reference: r.scale })),
  };
}
