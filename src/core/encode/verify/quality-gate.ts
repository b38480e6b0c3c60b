import { usageError } from '../../errors.ts';
import type { ProgressListener } from '../ffmpeg/progress.ts';
import type { Tools } from '../ffmpeg/tools.ts';
import { outputPath } from '../outputs/locations.ts';
import type { QualitySettings, PresetDefinition } from '../presets/preset-model.ts';
import { withThresholds, type QualityPlan, type QualityThresholds } from '../planning/quality.ts';
import type { ProbeInput, ProbeResult } from '../source/probe.ts';
import { hasLibvmaf, scoreRenditions, vmafUnavailable, type QualityReport } from './quality-score.ts';

/**
 * The gate of one encode: its settings, checked before anything runs (a
 * threshold for a preset without renditions to score, VMAF without libvmaf),
 * and the scores of the staged renditions, said as progress.
 */
export async function gateSettings(
  definition: PresetDefinition,
  overrides: Partial<QualityThresholds> | false | undefined,
  tools: Tools,
): Promise<QualitySettings | undefined> {
  if (overrides === false) return undefined;
  const asked = Object.entries(overrides ?? {}).filter(([, value]) => value !== undefined && value !== null);
  if (definition.kind !== 'hls' && definition.kind !== 'mp4') {
    if (asked.length > 0)
      throw usageError(
        `the quality gate scores delivery renditions (hls, mp4 presets); ${definition.name} is a ${definition.kind} preset`,
        definition.kind === 'archive'
          ? 'an archive master is proven lossless instead: drop --min-*'
          : definition.kind === 'package'
            ? "a package carries the source's own coded picture, nothing re-encoded to score: drop --min-*"
            : 'drop --min-*',
      );
    return undefined;
  }
  const settings = withThresholds(definition.quality, overrides);
  if (settings?.minVmaf !== undefined && !(await hasLibvmaf(tools)))
    throw vmafUnavailable(overrides?.minVmaf !== undefined ? '--min-vmaf' : `the preset ${definition.name}`);
  return settings;
}

export async function measureQuality(options: {
  plan: QualityPlan;
  input: ProbeInput;
  probe: ProbeResult;
  tools: Tools;
  workDir: string;
  signal: AbortSignal;
  emit: ProgressListener;
  now: () => Date;
}): Promise<QualityReport> {
  const { plan, emit, now } = options;
  const names = plan.renditions.map((r) => r.name);
  emit({ type: 'stage', stage: 'quality', state: 'start', at: now(), detail: names.join(', ') });
  const report = await scoreRenditions({
    plan,
    source: options.input,
    media: (name) => ({ url: `file:${outputPath(options.workDir, name)}`, inputArgs: [] }),
    durationSeconds: options.probe.durationSeconds,
    tools: options.tools,
    signal: options.signal,
    onProgress: (percent, etaSeconds) => emit({ type: 'quality', at: now(), renditions: names, percent, etaSeconds }),
  });
  emit({ type: 'stage', stage: 'quality', state: 'done', at: now(), detail: describeScores(report) });
  return report;
}

/** `720p SSIM 0.9931 PSNR 41.20 dB, 360p ...`, with the misses named. */
export function describeScores(report: QualityReport): string {
  return report.renditions
    .map(
      (r) =>
        `${r.name} SSIM ${r.ssim.mean.toFixed(4)} PSNR ${r.psnr.mean.toFixed(2)} dB${r.vmaf ? ` VMAF ${r.vmaf.mean.toFixed(1)}` : ''}${r.below.length > 0 ? ' (BELOW)' : ''}`,
    )
    .join(', ');
}
