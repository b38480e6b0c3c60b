import { MpegflowError } from '../../errors.ts';
import type { Loudness } from '../source/loudness.ts';
import { SILENCE_LUFS } from '../source/loudness.ts';
import type { ProbeResult } from '../source/probe.ts';
import type { AudioTrack } from '../source/streams.ts';

/**
 * What a delivery preset does with each thing a source carries, decided once
 * from the source description: the filter chains the plan runs, and the
 * same decisions in words for the plan, the output and the manifest. Nothing
 * is changed or dropped without a decision saying so.
 */

export const DECISION_SUBJECTS = [
  'video',
  'scan',
  'rotation',
  'aspect',
  'frame-rate',
  'colour',
  'pixel-format',
  'audio',
  'loudness',
  'subtitles',
  'captions',
  'timecode',
  'ladder',
] as const;

export interface Decision {
  subject: (typeof DECISION_SUBJECTS)[number];
  /** What the source has, e.g. "interlaced, top field first". */
  from: string;
  /** What the output gets, e.g. "progressive (bwdif, one frame per frame)". */
  to: string;
}

export interface VideoTreatmentOptions {
  /** "frame": a progressive frame per interlaced frame (50i -> 25p); "field": one per field (50i -> 50p). */
  deinterlace: 'frame' | 'field';
  pixelFormat: string;
}

/** The filters before fps/scale, and how they change the rate. */
export interface VideoTreatment {
  /** Filters applied to the source picture first (deinterlace, tone map), joined with commas; empty when none. */
  filters: string[];
  /** The source's rate is multiplied by this (2 for field-rate deinterlacing). */
  rateFactor: number;
  decisions: Decision[];
}

const HDR_NAMES = { hdr10: 'HDR10 (PQ)', hlg: 'HLG' } as const;

/** zscale linearises (PQ or HLG), tonemap (Hable) compresses highlights, zscale writes BT.709: what HDR-to-SDR needs, not a relabel. */
export function toneMapFilters(probe: ProbeResult): string[] {
  const colour = probe.video.colour;
  const transfer = colour.dynamicRange === 'hlg' ? 'arib-std-b67' : 'smpte2084';
  const input = `tin=${transfer}:min=${colour.matrix ?? 'bt2020nc'}:pin=${colour.primaries ?? 'bt2020'}:rin=${colour.range ?? 'tv'}`;
  return [
    `zscale=${input}:t=linear:npl=100`,
    'format=gbrpf32le',
    'zscale=p=bt709',
    'tonemap=tonemap=hable:desat=0',
    'zscale=t=bt709:m=bt709:r=tv',
  ];
}

export function videoTreatment(probe: ProbeResult, options: VideoTreatmentOptions): VideoTreatment {
  const { video } = probe;
  const filters: string[] = [];
  const decisions: Decision[] = [];
  let rateFactor = 1;
  const scan = video.scan;
  if (scan.order !== 'progressive') {
    const field = options.deinterlace === 'field';
    filters.push(`bwdif=mode=${field ? 'send_field' : 'send_frame'}:parity=${scan.order}:deint=all`);
    if (field) rateFactor = 2;
    decisions.push({
      subject: 'scan',
      from: `interlaced ${scan.order.toUpperCase()} (${scan.from === 'idet' ? 'idet' : 'container'})`,
      to: `progressive: bwdif, ${field ? 'one frame per field' : 'one frame per frame'}`,
    });
  }
  if (video.rotation !== 0)
    decisions.push({ subject: 'rotation', from: `rotated ${video.rotation}°`, to: 'turned upright (no rotation flag)' });
  const sar = video.sampleAspectRatio;
  if (sar.num !== sar.den) {
    decisions.push({ subject: 'aspect', from: `pixel aspect ${sar.num}:${sar.den}`, to: 'square pixels at the display aspect' });
  }
  if (video.colour.dynamicRange !== 'sdr') {
    filters.push(...toneMapFilters(probe));
    decisions.push({
      subject: 'colour',
      from: `${HDR_NAMES[video.colour.dynamicRange]} BT.2020`,
      to: 'SDR BT.709: tone-mapped (zscale, Hable)',
    });
  }
  const depth = video.bitDepth ?? 8;
  if (depth !== 8 || (video.chroma && video.chroma !== '4:2:0')) {
    decisions.push({
      subject: 'pixel-format',
      from: `${depth}-bit ${video.chroma ?? video.pixelFormat ?? ''}`.trim(),
      to: `8-bit 4:2:0 (${options.pixelFormat})`,
    });
  }
  if (video.closedCaptions) decisions.push({ subject: 'captions', from: 'CEA-608/708 captions', to: 'carried in the H.264 SEI (a53cc)' });
  return { filters, rateFactor, decisions };
}

/** A loudness target: integrated (LUFS) and a true-peak ceiling (dBTP). */
export interface LoudnessTarget {
  integratedLufs: number;
  truePeakDbtp: number;
}

/** One audio track of a delivery output: which source streams feed it, and the chain that makes it stereo. */
export interface AudioOutput {
  /** Source stream indexes (two for discrete L/R mono tracks). */
  sources: number[];
  /** Filter-graph text from the source streams to the stereo (or mono) signal, before loudness. */
  chain: string;
  language: string | null;
  title: string | null;
  channels: number;
}

const LAYOUTS_DOWNMIXED: Record<number, string> = { 3: '3.0', 4: 'quad', 5: '5.0', 6: '5.1', 7: '6.1', 8: '7.1' };

function layoutName(track: AudioTrack): string {
  return track.layout ?? (track.channels === 1 ? 'mono' : track.channels === 2 ? 'stereo' : `${track.channels} channels`);
}

/**
 * The audio outputs of a delivery encode: one track per language (the first
 * of each), or the only track; two discrete mono tracks of a broadcast file
 * (no languages) become one stereo pair. Layouts above stereo are down-mixed
 * with swresample's ITU-R BS.775 matrix (centre and surrounds at -3 dB, LFE
 * dropped); a layout ffmpeg cannot name is refused, not guessed.
 */
export function audioOutputs(
  probe: ProbeResult,
  channels: number,
  everyLanguage: boolean,
): { outputs: AudioOutput[]; decisions: Decision[] } {
  const tracks = probe.audioTracks;
  const decisions: Decision[] = [];
  if (tracks.length === 0) return { outputs: [], decisions };
  const layout = channels === 1 ? 'mono' : 'stereo';
  const discreteMono = tracks.length >= 2 && tracks.every((t) => t.channels === 1) && tracks.every((t) => t.language === null);
  if (discreteMono && channels === 2) {
    const [left, right] = tracks;
    decisions.push({
      subject: 'audio',
      from: `${tracks.length} discrete mono tracks`,
      to: `stereo from tracks ${left!.index} (left) and ${right!.index} (right)${
        tracks.length > 2
          ? `; tracks ${tracks
              .slice(2)
              .map((t) => t.index)
              .join(', ')} not carried`
          : ''
      }`,
    });
    return {
      outputs: [
        {
          sources: [left!.index, right!.index],
          chain: `[0:${left!.index}]aformat=channel_layouts=mono[jl];[0:${right!.index}]aformat=channel_layouts=mono[jr];[jl][jr]join=inputs=2:channel_layout=stereo:map=0.0-FL|1.0-FR`,
          language: null,
          title: null,
          channels: 2,
        },
      ],
      decisions,
    };
  }
  const chosen: AudioTrack[] = [];
  for (const track of tracks) {
    const sameLanguage = chosen.some((c) => c.language === track.language);
    if (chosen.length === 0 || (everyLanguage && !sameLanguage && track.language !== null)) chosen.push(track);
  }
  const left = tracks.filter((t) => !chosen.includes(t));
  if (left.length > 0) {
    decisions.push({
      subject: 'audio',
      from: `${tracks.length} audio tracks`,
      to: `${chosen.length === 1 ? 'track' : 'tracks'} ${chosen.map((t) => `${t.index}${t.language ? ` (${t.language})` : ''}`).join(', ')} carried; ${left.map((t) => `${t.index}${t.language ? ` (${t.language})` : ''}`).join(', ')} not`,
    });
  }
  const outputs = chosen.map((track) => {
    if (track.layout === null && track.channels > 2) {
      throw new MpegflowError(
        `audio stream ${track.index} has ${track.channels} channels and no channel layout: MpegFlow cannot tell which channel is which to down-mix it`,
        {
          code: 'SOURCE_AUDIO_LAYOUT_UNKNOWN',
          suggestion: `set its layout when the file is made (e.g. ffmpeg's -channel_layout ${LAYOUTS_DOWNMIXED[track.channels] ?? '5.1'}), or split it into named tracks`,
        },
      );
    }
    if (track.channels !== channels) {
      const matrix = track.channels > channels ? ' (ITU-R BS.775: centre and surrounds -3 dB, LFE dropped)' : '';
      decisions.push({
        subject: 'audio',
        from: `track ${track.index}: ${layoutName(track)}`,
        to: `${layout}${track.channels > channels ? ' down-mix' : ''}${matrix}`,
      });
    }
    const known = track.layout === null ? `aformat=channel_layouts=${track.channels === 1 ? 'mono' : 'stereo'},` : '';
    return {
      sources: [track.index],
      chain: `[0:${track.index}]${known}aformat=channel_layouts=${layout}`,
      language: track.language,
      title: track.title,
      channels,
    };
  });
  return { outputs, decisions };
}

/** Headroom under the true-peak ceiling for what a lossy encoder adds to peaks (AES TD1004 advises 1-2 dB for AAC). */
const CODEC_OVERSHOOT_DB = 1;

/**
 * Second pass of two-pass loudness normalisation: the gain that brings the
 * measured loudness to the target, linear when the peaks stay under the
 * true-peak ceiling; otherwise the same gain with a limiter on the peaks, said
 * as such. (loudnorm's dynamic mode was tried for that case and measured
 * 7-9 LU short of the target on such programmes.) Digital silence is left alone.
 */
export function loudnessFilter(
  measured: Loudness,
  target: LoudnessTarget,
  sampleRate: number,
  track: string,
  /** The same audio measured through the gain and the limiter: what the limiter took is given back in gain. */
  afterLimit?: Loudness,
): { filter: string | null; limited: boolean; decision: Decision; warning?: string } {
  const from = `${measured.integratedLufs.toFixed(1)} LUFS, true peak ${measured.truePeakDbtp.toFixed(1)} dBTP`;
  if (!Number.isFinite(measured.integratedLufs) || measured.integratedLufs < SILENCE_LUFS) {
    return {
      filter: null,
      limited: false,
      decision: { subject: 'loudness', from: `${track}: silent`, to: 'left as is' },
      warning: `${track} is digital silence (or near it): its loudness is left as is, not raised to ${target.integratedLufs} LUFS`,
    };
  }
  const gain = target.integratedLufs - measured.integratedLufs;
  // the ceiling must hold after the AAC encode too, whose overshoot reaches about 1 dB
  const ceiling = target.truePeakDbtp - CODEC_OVERSHOOT_DB;
  const signed = `${gain >= 0 ? '+' : ''}${gain.toFixed(1)} dB`;
  if (measured.truePeakDbtp + gain <= ceiling) {
    return {
      filter: `volume=${gain.toFixed(2)}dB`,
      limited: false,
      decision: { subject: 'loudness', from: `${track}: ${from}`, to: `${target.integratedLufs} LUFS: linear gain ${signed}` },
    };
  }
  // the same gain, with the peaks it would push over the ceiling held by a limiter at 4x the rate (near true peak),
  // and what the limiter takes of the loudness (measured through it) given back, at most 6 dB
  const takenBack = afterLimit ? Math.min(6, Math.max(0, target.integratedLufs - afterLimit.integratedLufs)) : 0;
  const filter = [
    `aresample=${sampleRate * 4}`,
    `volume=${(gain + takenBack).toFixed(2)}dB`,
    `alimiter=limit=${(10 ** (ceiling / 20)).toFixed(4)}:attack=1:release=50:level=false`,
    `aresample=${sampleRate}`,
  ].join(',');
  const given = takenBack > 0 ? ` (+${takenBack.toFixed(1)} dB for what the limiter takes)` : '';
  const short = afterLimit ? target.integratedLufs - afterLimit.integratedLufs - takenBack : 0;
  const warning =
    short > 0.5
      ? `${track} comes out near ${(target.integratedLufs - short).toFixed(1)} LUFS, not ${target.integratedLufs}: its loudness is in its peaks, which the ${target.truePeakDbtp} dBTP ceiling holds down`
      : undefined;
  const to = `${target.integratedLufs} LUFS: gain ${signed}${given}, peaks limited to ${ceiling} dBTP (a linear gain alone would pass the ${target.truePeakDbtp} dBTP ceiling)`;
  return { filter, limited: true, decision: { subject: 'loudness', from: `${track}: ${from}`, to }, ...(warning ? { warning } : {}) };
}
