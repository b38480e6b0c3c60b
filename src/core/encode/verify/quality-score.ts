import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MpegflowError } from '../../errors.ts';
import { classifyFfmpegFailure } from '../ffmpeg/ffmpeg-failures.ts';
import { createProgressParser, progressFigures } from '../ffmpeg/progress.ts';
import { lastLines, runTool, type Tools } from '../ffmpeg/tools.ts';
import { removeTree } from '../outputs/sink.ts';
import type { QualityPlan, QualityThresholds } from '../planning/quality.ts';
import { cancelledError, type ProbeInput } from '../source/probe.ts';

/**
 * The quality gate's second pass (ffmpeg 5.1 cannot decode its own output
 * inside the encode): the source is decoded once, put through the encode's
 * picture chain, split and scaled per rendition, and every rendition is
 * compared with its reference in one ffmpeg run, SSIM and PSNR (and VMAF
 * where ffmpeg has libvmaf). Scores are read from each filter's per-frame
 * statistics, so each belongs to its rendition by file, not by log order.
 */

export interface MetricScore {
  mean: number;
  /** The worst scored frame. */
  min: number;
}

export interface RenditionQuality {
  name: string;
  frames: number;
  ssim: MetricScore;
  /** dB; a frame identical to its reference is counted as 100 dB. */
  psnr: MetricScore;
  vmaf: MetricScore | null;
  /** The thresholds it misses, in words ("SSIM 0.612 < 0.9"); empty when it passes. */
  below: string[];
}

export interface QualityReport {
  /** The source's video chain every reference starts from, in ffmpeg's words (deinterlace, tone map, frame rate). */
  reference: string;
  /** One frame in this many is scored, chosen by its time (at `frameRate`) in the reference and the rendition alike. */
  frameStep: number;
  frameRate: string;
  thresholds: QualityThresholds;
  /** Why VMAF has no score, when it has none. */
  vmaf: string | null;
  /** Each with its media (in the destination) and its own end of the reference: the scale to its size and its pixel format. */
  renditions: (RenditionQuality & { media: string; reference: string })[];
  passed: boolean;
}

export const NO_LIBVMAF = 'not measured: this ffmpeg has no libvmaf (Debian 12 builds it without)';

/** Whether this ffmpeg has the libvmaf filter, cached per executable. */
const vmafCache = new Map<string, Promise<boolean>>();
export function hasLibvmaf(tools: Tools): Promise<boolean> {
  let cached = vmafCache.get(tools.ffmpeg);
  if (!cached) {
    cached = runTool({ file: tools.ffmpeg, args: ['-hide_banner', '-filters'] }).then((run) => /^\s*\S+\s+libvmaf\s/m.test(run.stdout));
    cached.catch(() => vmafCache.delete(tools.ffmpeg));
    vmafCache.set(tools.ffmpeg, cached);
  }
  return cached;
}

/** A gate asking for VMAF on a host whose ffmpeg cannot measure it is refused before any encode: exit 2. */
export function vmafUnavailable(where: string): MpegflowError {
  return new MpegflowError(`${where} asks for a VMAF threshold, but this ffmpeg has no libvmaf filter: VMAF cannot be measured here`, {
    code: 'USAGE',
    suggestion: 'gate on --min-ssim and --min-psnr, or install an ffmpeg built with libvmaf and point $MPEGFLOW_FFMPEG at it',
  });
}

export interface ScoreOptions {
  plan: QualityPlan;
  /** The source as the encode read it. */
  source: ProbeInput;
  /** Each rendition's media (`plan.renditions[].media`) as ffmpeg opens it. */
  media: (name: string) => { url: string; inputArgs: string[] };
  durationSeconds: number;
  tools: Tools;
  signal?: AbortSignal;
  /** Percent of the source scored so far. */
  onProgress?: (percent: number, etaSeconds: number | null) => void;
}

const PSNR_IDENTICAL = 100;

export async function scoreRenditions(options: ScoreOptions): Promise<QualityReport> {
  const { plan, source, tools, signal } = options;
  const vmaf = await hasLibvmaf(tools);
  if (plan.thresholds.minVmaf !== null && !vmaf) throw vmafUnavailable('the quality gate');
  const metrics = vmaf ? ['ssim', 'psnr', 'vmaf'] : ['ssim', 'psnr'];
  const stats = await mkdtemp(path.join(os.tmpdir(), 'mpegflow-quality-'));
  try {
    // frames are paired by time, as ffmpeg puts each input's start at 0: an output that begins with a
    // repeated first frame (the encoder filling up to the audio's start) is not scored one frame off
    const step = plan.frameStep > 1 ? `,select='not(mod(round(t*${plan.frameRate}),${plan.frameStep}))'` : '';
    const n = plan.renditions.length;
    const graph = [`${plan.head}${step},split=${n}${plan.renditions.map((_, i) => `[r${i}]`).join('')}`];
    const inputs: string[] = [];
    plan.renditions.forEach((rendition, i) => {
      const media = options.media(rendition.media);
      inputs.push(...media.inputArgs, '-i', media.url);
      const tee = (side: string) => metrics.map((m) => `[${side}${m}${i}]`).join('');
      graph.push(
        `[r${i}]${rendition.reference},split=${metrics.length}${tee('r')}`,
        `[${i + 1}:v:0]format=yuv420p${step},split=${metrics.length}${tee('d')}`,
        `[dssim${i}][rssim${i}]ssim=stats_file=ssim${i}.log[ssim${i}]`,
        `[dpsnr${i}][rpsnr${i}]psnr=stats_file=psnr${i}.log[psnr${i}]`,
        ...(vmaf ? [`[dvmaf${i}][rvmaf${i}]libvmaf=log_fmt=csv:log_path=vmaf${i}.csv[vmaf${i}]`] : []),
      );
    });
    const maps = plan.renditions.flatMap((_, i) => metrics.flatMap((m) => ['-map', `[${m}${i}]`]));
    const parse = createProgressParser((progress) => {
      const { percent, etaSeconds } = progressFigures(progress, options.durationSeconds);
      options.onProgress?.(percent, etaSeconds);
    });
    const run = await runTool({
      file: tools.ffmpeg,
      args: [
        ...['-hide_banner', '-nostdin', '-loglevel', 'level+warning', '-nostats', '-progress', 'pipe:1'],
        ...(source.inputArgs ?? []),
        '-i',
        source.url,
        ...inputs,
        '-filter_complex',
        graph.join(';'),
        ...maps,
        '-f',
        'null',
        '-',
      ],
      cwd: stats,
      signal,
      onStdoutLine: parse,
      secrets: [source.url],
    });
    if (run.aborted || signal?.aborted) throw cancelledError();
    if (run.exitCode !== 0)
      throw classifyFfmpegFailure(run.stderrTail, 'ffmpeg (quality scores)', 'the quality scores', /^https?:/.test(source.url), stats);
    const renditions = await Promise.all(
      plan.renditions.map(async (rendition, i) => {
        const read = (file: string) => readFile(path.join(stats, file), 'utf8').catch(() => '');
        const scores = {
          name: rendition.name,
          ssim: ssimScore(await read(`ssim${i}.log`)),
          psnr: psnrScore(await read(`psnr${i}.log`)),
          vmaf: vmaf ? vmafScore(await read(`vmaf${i}.csv`)) : null,
        };
        if (scores.ssim.frames === 0)
          throw new MpegflowError(`ffmpeg scored no frame of ${rendition.name}`, {
            code: 'QUALITY_NOT_MEASURED',
            suggestion: 'run again with --verbose and report it with the ffmpeg output',
            details: { ffmpeg: lastLines(run.stderrTail, 6) },
          });
        const scored = {
          ...scores,
          frames: scores.ssim.frames,
          ssim: scores.ssim.score,
          psnr: scores.psnr.score,
          vmaf: scores.vmaf?.score ?? null,
        };
        return { ...scored, media: rendition.media, reference: rendition.reference, below: belowThresholds(scored, plan.thresholds) };
      }),
    );
    return {
      reference: plan.head,
      frameStep: plan.frameStep,
      frameRate: plan.frameRate,
      thresholds: plan.thresholds,
      vmaf: vmaf ? null : NO_LIBVMAF,
      renditions,
      passed: renditions.every((r) => r.below.length === 0),
    };
  } finally {
    await removeTree(stats);
  }
}

/** What a rendition's scores miss of the thresholds, in words. */
export function belowThresholds(scores: Pick<RenditionQuality, 'ssim' | 'psnr' | 'vmaf'>, thresholds: QualityThresholds): string[] {
  const below: string[] = [];
  if (thresholds.minSsim !== null && scores.ssim.mean < thresholds.minSsim)
    below.push(`SSIM ${scores.ssim.mean.toFixed(4)} < ${thresholds.minSsim}`);
  if (thresholds.minPsnr !== null && scores.psnr.mean < thresholds.minPsnr)
    below.push(`PSNR ${scores.psnr.mean.toFixed(2)} dB < ${thresholds.minPsnr} dB`);
  if (thresholds.minVmaf !== null && scores.vmaf && scores.vmaf.mean < thresholds.minVmaf)
    below.push(`VMAF ${scores.vmaf.mean.toFixed(2)} < ${thresholds.minVmaf}`);
  return below;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** ffmpeg's ssim statistics: `n:1 Y:0.99 U:0.99 V:0.99 All:0.99 (20.1)` per frame. */
export function ssimScore(text: string): { frames: number; score: MetricScore } {
  const values = [...text.matchAll(/\bAll:([\d.]+)/g)].map((m) => Number(m[1]));
  return { frames: values.length, score: summary(values, 6) };
}

/**
 * ffmpeg's psnr statistics, one `mse_avg:…` per frame: the mean is the PSNR
 * of the mean squared error over every frame, as ffmpeg's own summary has it
 * (a mean of per-frame PSNRs would overrate a few very bad frames' neighbours).
 */
export function psnrScore(text: string): { frames: number; score: MetricScore } {
  const mse = [...text.matchAll(/\bmse_avg:([\d.]+)/g)].map((m) => Number(m[1]));
  const toPsnr = (value: number) => (value <= 0 ? PSNR_IDENTICAL : Math.min(PSNR_IDENTICAL, 10 * Math.log10((255 * 255) / value)));
  if (mse.length === 0) return { frames: 0, score: { mean: 0, min: 0 } };
  const mean = mse.reduce((a, b) => a + b, 0) / mse.length;
  return { frames: mse.length, score: { mean: round(toPsnr(mean), 3), min: round(toPsnr(Math.max(...mse)), 3) } };
}

/** libvmaf's CSV log: a `vmaf` column, one row per frame. */
export function vmafScore(text: string): { frames: number; score: MetricScore } {
  const [header, ...rows] = text.trim().split('\n');
  const column = (header ?? '').split(',').indexOf('vmaf');
  const values = column < 0 ? [] : rows.map((row) => Number(row.split(',')[column])).filter(Number.isFinite);
  return { frames: values.length, score: summary(values, 3) };
}

function summary(values: number[], digits: number): MetricScore {
  if (values.length === 0) return { mean: 0, min: 0 };
  return { mean: round(values.reduce((a, b) => a + b, 0) / values.length, digits), min: round(Math.min(...values), digits) };
}

/** A gate that failed: every rendition's scores go with it (--json, the job's record). */
export function qualityFailure(report: QualityReport): MpegflowError {
  const failed = report.renditions.filter((r) => r.below.length > 0);
  const what = failed.map((r) => `${r.name} (${r.below.join(', ')})`).join('; ');
  return new MpegflowError(
    `${failed.length === 1 ? 'a rendition scores' : `${failed.length} renditions score`} below the quality gate: ${what}; nothing was published`,
    {
      code: 'QUALITY_BELOW_THRESHOLD',
      suggestion:
        "raise the rendition's bitrate in the preset (videoBitrate, maxRate; crf for MP4), or, for content known to score low (film grain, noise), lower the preset's quality thresholds (encode takes --min-ssim / --min-psnr)",
      details: { quality: report },
    },
  );
}
