/**
 * Encoding presets are data (JSON files): these types are what a preset file
 * holds once `validatePreset()` accepted it. One `kind` per output format;
 * the pipeline turns a preset plus the probe of a source into ffmpeg arguments.
 */

export const PRESET_KINDS = ['hls', 'mp4', 'archive', 'thumbnails'] as const;
export type PresetKind = (typeof PRESET_KINDS)[number];

export const X264_SPEEDS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const;
export type X264Speed = (typeof X264_SPEEDS)[number];

/** A bitrate as ffmpeg reads it: "5000k", "5M" or bits per second. */
export type Bitrate = string;

export interface H264Settings {
  codec: 'libx264';
  speed: X264Speed;
  profile: 'baseline' | 'main' | 'high';
  pixelFormat: 'yuv420p';
  /** Sources above this frame rate are encoded at it; every output is constant frame rate. */
  maxFrameRate: number;
  tune?: 'film' | 'animation' | 'grain' | 'fastdecode' | 'zerolatency';
}

export interface AacSettings {
  codec: 'aac';
  channels: 1 | 2;
  sampleRate: 44100 | 48000;
}

export interface HlsRendition {
  /** Folder and variant name in the output, e.g. "720p". */
  name: string;
  /** Lines of the output (the short side of a portrait source). */
  height: number;
  videoBitrate: Bitrate;
  maxRate: Bitrate;
  bufSize: Bitrate;
  audioBitrate: Bitrate;
}

export interface HlsPreset {
  name: string;
  description: string;
  kind: 'hls';
  video: H264Settings;
  audio: AacSettings;
  segmentSeconds: number;
  /** Highest first; rungs above the source are dropped, at least one is kept. */
  renditions: HlsRendition[];
}

export interface Mp4Preset {
  name: string;
  description: string;
  kind: 'mp4';
  output: string;
  video: H264Settings & { maxHeight: number; crf: number; maxRate?: Bitrate; bufSize?: Bitrate; keyframeSeconds: number };
  audio: AacSettings & { bitrate: Bitrate };
}

export interface ArchivePreset {
  name: string;
  description: string;
  kind: 'archive';
  output: string;
  video: { codec: 'ffv1'; level: 3; slices: 4 | 6 | 9 | 12 | 16 | 24 | 30; sliceCrc: boolean };
  audio: { codec: 'flac' };
  fixity: { format: 'framemd5'; output: string };
}

export interface ThumbnailsPreset {
  name: string;
  description: string;
  kind: 'thumbnails';
  poster: { output: string; atPercent: number; maxHeight: number; quality: number };
  sprite: { output: string; index: string; columns: number; rows: number; tileWidth: number; minIntervalSeconds: number; quality: number };
}

export type PresetDefinition = HlsPreset | Mp4Preset | ArchivePreset | ThumbnailsPreset;

export type PresetOrigin = 'built-in' | 'user' | 'file';

/** A validated preset and where it came from; `hash` identifies its definition (sha256 of canonical JSON). */
export interface Preset {
  name: string;
  origin: PresetOrigin;
  file: string;
  hash: string;
  definition: PresetDefinition;
}
