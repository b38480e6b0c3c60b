import type { FfprobeFrame, FfprobeOutput, FfprobeStream } from './ffprobe-output.ts';

/** What a source's streams are, read from ffprobe's answer: the facts a QC engineer checks before an encode. */

export type FieldOrder = 'progressive' | 'tff' | 'bff' | 'unknown';

/** HDR10 (PQ) and HLG are told by the transfer characteristic; anything else is treated as SDR. */
export type DynamicRange = 'sdr' | 'hdr10' | 'hlg';

export interface MasteringDisplay {
  /** Chromaticities as "x,y" pairs (CIE 1931), luminance in cd/m². */
  red: string;
  green: string;
  blue: string;
  whitePoint: string;
  minLuminance: number;
  maxLuminance: number;
}

export interface Colour {
  primaries: string | null;
  transfer: string | null;
  matrix: string | null;
  range: 'tv' | 'pc' | null;
  dynamicRange: DynamicRange;
  masteringDisplay: MasteringDisplay | null;
  /** MaxCLL and MaxFALL, cd/m². */
  contentLightLevel: { maxCll: number; maxFall: number } | null;
}

export interface AudioTrack {
  index: number;
  codec: string;
  channels: number;
  /** ffmpeg's name of the layout ("stereo", "5.1(side)"), or null when the file does not say (discrete tracks of MXF). */
  layout: string | null;
  sampleRate: number;
  /** ffmpeg's decoded sample format: s16, s32, flt, fltp, dbl... */
  sampleFormat: string | null;
  /** Bits of the source samples, when it says (24 for 24-bit PCM in 32-bit words). */
  bitDepth: number | null;
  language: string | null;
  title: string | null;
  default: boolean;
}

export interface SubtitleTrack {
  index: number;
  codec: string;
  /** Text subtitles can become WebVTT; bitmaps (PGS, DVD, DVB) cannot without OCR. */
  kind: 'text' | 'bitmap';
  language: string | null;
  title: string | null;
  default: boolean;
  forced: boolean;
  durationSeconds: number | null;
}

export interface OtherStream {
  index: number;
  type: string;
  codec: string;
}

const TEXT_SUBTITLES = new Set(['subrip', 'srt', 'ass', 'ssa', 'webvtt', 'mov_text', 'text', 'eia_608', 'microdvd', 'subviewer', 'ttml']);

const known = (value: string | undefined): string | null => (value && value !== 'unknown' && value !== 'unspecified' ? value : null);

const language = (stream: FfprobeStream): string | null => {
  const value = stream.tags?.language ?? stream.tags?.LANGUAGE;
  return value && value !== 'und' ? value : null;
};

/** A stream's own duration: its field, or Matroska's DURATION tag (HH:MM:SS.nnnnnnnnn). */
export function streamDuration(stream: FfprobeStream): number | null {
  const direct = Number(stream.duration);
  if (Number.isFinite(direct) && direct > 0) return direct;
  const tag = stream.tags?.DURATION ?? stream.tags?.duration;
  const match = /^(\d+):(\d\d):(\d\d(?:\.\d+)?)$/.exec(tag ?? '');
  if (!match) return null;
  const seconds = Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
  return seconds > 0 ? seconds : null;
}

/** The order fields are shown in: tt and bt show the top field first (the second letter is display order). */
export function containerFieldOrder(value: string | undefined): FieldOrder {
  switch (value) {
    case 'progressive':
      return 'progressive';
    case 'tt':
    case 'bt':
      return 'tff';
    case 'bb':
    case 'tb':
      return 'bff';
    default:
      return 'unknown';
  }
}

/** What the first decoded frames say of interlacing (the codec's own flags), when they say it consistently. */
export function frameFieldOrder(frames: FfprobeFrame[], videoIndex: number): FieldOrder {
  const own = frames.filter((f) => f.stream_index === videoIndex && f.interlaced_frame !== undefined);
  if (own.length === 0) return 'unknown';
  if (own.every((f) => f.interlaced_frame === 0)) return 'progressive';
  if (own.every((f) => f.interlaced_frame === 1 && f.top_field_first === 1)) return 'tff';
  if (own.every((f) => f.interlaced_frame === 1 && f.top_field_first === 0)) return 'bff';
  return 'unknown';
}

/** 8 for yuv420p, 10 for yuv422p10le...; the raw sample bits when the stream says them. */
export function bitDepth(stream: FfprobeStream): number | null {
  const raw = Number(stream.bits_per_raw_sample);
  if (Number.isInteger(raw) && raw > 0) return raw;
  const fromFormat = /p(\d+)(le|be)$/.exec(stream.pix_fmt ?? '');
  if (fromFormat) return Number(fromFormat[1]);
  return stream.pix_fmt ? 8 : null;
}

/** 4:2:0, 4:2:2, 4:4:4 (RGB too), 4:1:1 or 4:0:0 (grey), from the pixel format's name. */
export function chroma(pixelFormat: string | null): string | null {
  if (!pixelFormat) return null;
  if (/^(yuv|yuva|yuvj)420|^nv12|^nv21|^p010|^p016/.test(pixelFormat)) return '4:2:0';
  if (/^(yuv|yuva|yuvj)422|^nv16|^uyvy|^yuyv|^y210|^v210/.test(pixelFormat)) return '4:2:2';
  if (/^(yuv|yuva|yuvj)444|^(gbr|rgb|bgr|argb|abgr|rgba|bgra|x2rgb|0rgb)/.test(pixelFormat)) return '4:4:4';
  if (/^(yuv|yuvj)411/.test(pixelFormat)) return '4:1:1';
  if (/^gray/.test(pixelFormat)) return '4:0:0';
  return null;
}

const fraction = (value: unknown): number => {
  const [num, den] = String(value ?? '')
    .split('/')
    .map(Number);
  return den ? num! / den : Number(num);
};

const pair = (x: unknown, y: unknown): string => `${fraction(x).toFixed(4)},${fraction(y).toFixed(4)}`;

export function colourOf(stream: FfprobeStream, frames: FfprobeFrame[]): Colour {
  const transfer = known(stream.color_transfer);
  const sideData = frames.filter((f) => f.stream_index === stream.index).flatMap((f) => f.side_data_list ?? []);
  const mastering = sideData.find((d) => d.side_data_type === 'Mastering display metadata');
  const light = sideData.find((d) => d.side_data_type === 'Content light level metadata');
  const range = known(stream.color_range);
  return {
    primaries: known(stream.color_primaries),
    transfer,
    matrix: known(stream.color_space),
    range: range === 'tv' || range === 'pc' ? range : null,
    dynamicRange: transfer === 'smpte2084' ? 'hdr10' : transfer === 'arib-std-b67' ? 'hlg' : 'sdr',
    masteringDisplay: mastering
      ? {
          red: pair(mastering.red_x, mastering.red_y),
          green: pair(mastering.green_x, mastering.green_y),
          blue: pair(mastering.blue_x, mastering.blue_y),
          whitePoint: pair(mastering.white_point_x, mastering.white_point_y),
          minLuminance: fraction(mastering.min_luminance),
          maxLuminance: fraction(mastering.max_luminance),
        }
      : null,
    contentLightLevel: light ? { maxCll: Number(light.max_content ?? 0), maxFall: Number(light.max_average ?? 0) } : null,
  };
}

export function audioTrackOf(stream: FfprobeStream): AudioTrack {
  const layout = known(stream.channel_layout);
  return {
    index: stream.index,
    codec: stream.codec_name ?? 'unknown',
    channels: stream.channels ?? 2,
    layout,
    sampleRate: Number(stream.sample_rate ?? 48000),
    sampleFormat: stream.sample_fmt ?? null,
    bitDepth: Number(stream.bits_per_raw_sample) > 0 ? Number(stream.bits_per_raw_sample) : null,
    language: language(stream),
    title: stream.tags?.title ?? stream.tags?.TITLE ?? null,
    default: stream.disposition?.default === 1,
  };
}

export function subtitleTrackOf(stream: FfprobeStream): SubtitleTrack {
  const codec = stream.codec_name ?? 'unknown';
  return {
    index: stream.index,
    codec,
    kind: TEXT_SUBTITLES.has(codec) ? 'text' : 'bitmap',
    language: language(stream),
    title: stream.tags?.title ?? stream.tags?.TITLE ?? null,
    default: stream.disposition?.default === 1,
    forced: stream.disposition?.forced === 1,
    durationSeconds: streamDuration(stream),
  };
}

/** SMPTE timecode of the first frame: the video stream's, a timecode track's (QuickTime tmcd), or the container's. */
export function timecodeOf(parsed: FfprobeOutput): string | null {
  for (const stream of parsed.streams ?? []) if (stream.tags?.timecode) return stream.tags.timecode;
  return parsed.format?.tags?.timecode ?? null;
}
