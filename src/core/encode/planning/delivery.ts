import type { HlsPreset, Mp4Preset, PresetDefinition } from '../presets/preset-model.ts';
import type { Loudness, LoudnessInput } from '../source/loudness.ts';
import { rationalValue, type ProbeResult, type Rational } from '../source/probe.ts';
import { formatRate, outputFrameRate, sourceFrameRate } from './frame.ts';
import { audioOutputs, loudnessFilter, videoTreatment, type AudioOutput, type Decision } from './treatments.ts';
import type { LadderAnalysis } from './per-title.ts';
import type { KeyframeSpacing } from '../source/keyframes.ts';

/**
 * What the delivery presets (HLS, MP4) share: the H.264 options, the loudness
 * measured before planning, and the treatment of the source's picture, audio,
 * subtitles and timecode, with each decision said.
 */

export function h264Args(video: Mp4Preset['video'] | HlsPreset['video']): string[] {
  return [
    '-c:v',
    'libx264',
    '-preset',
    video.speed,
    '-profile:v',
    video.profile,
    '-pix_fmt',
    video.pixelFormat,
    ...(video.tune ? ['-tune', video.tune] : []),
  ];
}

export type DeliveryPreset = HlsPreset | Mp4Preset;

/** Measurements the plan needs before it is made: the loudness of each audio output, when the preset normalises it. */
export interface PlanMeasurements {
  loudness?: Loudness[];
  /** Outputs whose peaks are limited: their loudness through the gain and the limiter (by output; undefined for the others). */
  afterLimit?: (Loudness | undefined)[];
  /** HLS presets with a per-title ladder: the probe encodes of the source's samples. */
  ladder?: LadderAnalysis;
  /** Packages: how far apart the source's keyframes are, where segments can be cut. */
  keyframes?: KeyframeSpacing;
}

/** The audio outputs of a delivery preset: one per language. */
export function deliveryAudio(preset: DeliveryPreset, probe: ProbeResult): ReturnType<typeof audioOutputs> {
  return audioOutputs(probe, preset.audio.channels, true);
}

/**
 * Measures the loudness the plan needs, with `measure` (ffmpeg's ebur128 over
 * the given filter chains): each audio output's loudness when the preset has a
 * target, then, for outputs whose peaks must be limited, the loudness
 * through the gain and the limiter, so the plan can give back what it took.
 */
export async function loudnessMeasurements(
  preset: PresetDefinition,
  probe: ProbeResult,
  measure: (inputs: LoudnessInput[]) => Promise<Loudness[]>,
): Promise<PlanMeasurements> {
  if ((preset.kind !== 'hls' && preset.kind !== 'mp4') || !preset.audio.loudness) return {};
  const chains = deliveryAudio(preset, probe).outputs.map((output) => output.chain);
  if (chains.length === 0) return {};
  const loudness = await measure(chains.map((chain) => ({ chain })));
  const target = preset.audio.loudness;
  const limited = chains.flatMap((chain, i) => {
    const applied = loudnessFilter(loudness[i]!, target, preset.audio.sampleRate, '');
    return applied.limited ? [{ i, chain: `${chain},${applied.filter}` }] : [];
  });
  if (limited.length === 0) return { loudness };
  const measured = await measure(limited.map(({ chain }) => ({ chain })));
  const afterLimit: (Loudness | undefined)[] = chains.map(() => undefined);
  limited.forEach(({ i }, k) => (afterLimit[i] = measured[k]));
  return { loudness, afterLimit };
}

export interface DeliveryTreatment {
  rate: Rational;
  /** The video filters up to (not including) the scale to each size. */
  videoHead: string;
  audio: AudioOutput[];
  /** filter_complex parts making [aN] for each audio output. */
  audioGraph: string[];
  decisions: Decision[];
  warnings: string[];
}

/** The source's picture as every rendition starts from it: the treatment's filters and the constant output rate, as one chain. */
export function pictureChain(preset: DeliveryPreset, probe: ProbeResult) {
  const video = videoTreatment(probe, { deinterlace: preset.video.deinterlace ?? 'frame', pixelFormat: preset.video.pixelFormat });
  const base = sourceFrameRate(probe);
  const rate = outputFrameRate({ num: base.num * video.rateFactor, den: base.den }, preset.video.maxFrameRate);
  const videoHead = `[0:${probe.video.index}]${[...video.filters, `fps=${formatRate(rate)}`].join(',')}`;
  return { video, base, rate, videoHead };
}

export function deliveryTreatment(preset: DeliveryPreset, probe: ProbeResult, measurements: PlanMeasurements): DeliveryTreatment {
  const { video, base, rate, videoHead } = pictureChain(preset, probe);
  const decisions = [...video.decisions];
  const warnings: string[] = [];
  if (probe.video.variableFrameRate || video.rateFactor !== 1 || rationalValue(rate) !== rationalValue(base)) {
    const from = `${probe.video.variableFrameRate ? 'variable, ' : ''}${rationalValue(probe.video.frameRate)
      .toFixed(3)
      .replace(/\.?0+$/, '')} fps`;
    decisions.push({ subject: 'frame-rate', from, to: `constant ${formatRate(rate)} fps` });
  }
  const { outputs, decisions: audioDecisions } = deliveryAudio(preset, probe);
  decisions.push(...audioDecisions);
  const target = preset.audio.loudness;
  const audioGraph = outputs.map((output, i) => {
    let chain = output.chain;
    if (target) {
      const measured = measurements.loudness?.[i];
      if (!measured) throw new Error(`the loudness of audio output ${i} was not measured before planning`);
      const name = `audio ${output.sources.join('+')}${output.language ? ` (${output.language})` : ''}`;
      const applied = loudnessFilter(measured, target, preset.audio.sampleRate, name, measurements.afterLimit?.[i]);
      decisions.push(applied.decision);
      if (applied.warning) warnings.push(applied.warning);
      if (applied.filter) chain += `,${applied.filter}`;
    }
    return `${chain}[a${i}]`;
  });
  if (!target && outputs.length > 0)
    decisions.push({ subject: 'loudness', from: 'as mixed', to: 'kept (the preset sets no loudness target)' });
  const subtitles = subtitleTreatment(probe, preset.kind === 'mp4' ? 'MP4 timed text (mov_text)' : 'WebVTT subtitle renditions');
  decisions.push(...subtitles.decisions);
  warnings.push(...subtitles.warnings);
  if (probe.timecode)
    decisions.push({ subject: 'timecode', from: probe.timecode, to: 'recorded in the manifest (delivery formats carry none)' });
  return { rate, videoHead, audio: outputs, audioGraph, decisions, warnings };
}

/** Text subtitles become `textTo`; bitmap subtitles cannot become text without OCR: not carried, and said. */
export function subtitleTreatment(probe: ProbeResult, textTo: string): { decisions: Decision[]; warnings: string[] } {
  const decisions: Decision[] = [];
  const warnings: string[] = [];
  const carried = probe.subtitles.filter((s) => s.kind === 'text');
  const dropped = probe.subtitles.filter((s) => s.kind !== 'text');
  if (carried.length > 0) decisions.push({ subject: 'subtitles', from: `${carried.length} text subtitle track(s)`, to: textTo });
  if (dropped.length > 0) {
    const what = dropped.map((s) => `${s.index} (${s.codec}${s.language ? `, ${s.language}` : ''})`).join(', ');
    decisions.push({ subject: 'subtitles', from: `bitmap subtitle ${what}`, to: 'not carried' });
    warnings.push(`subtitle track(s) ${what} are not carried: bitmap subtitles cannot become text without OCR`);
  }
  return { decisions, warnings };
}

export const languageArgs = (audio: Pick<AudioOutput, 'language'>[], offset = 0): string[] =>
  audio.flatMap((a, i) => (a.language ? [`-metadata:s:a:${i + offset}`, `language=${a.language}`] : []));
