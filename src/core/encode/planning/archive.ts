import { MpegflowError } from '../../errors.ts';
import type { ArchivePreset } from '../presets/preset-model.ts';
import type { ProbeResult } from '../source/probe.ts';
import type { AudioTrack } from '../source/streams.ts';
import type { Decision } from './treatments.ts';

/**
 * A preservation master keeps what the source carries, whole: every video
 * and audio stream, subtitles and attachments, the exact pixel format, field
 * order, aspect, colour (and HDR metadata where ffmpeg carries it), timecode
 * and languages. What Matroska cannot hold bit for bit is converted and said,
 * or refused; never dropped quietly.
 */

/** Lossy audio is kept as its bitstream: decoding it to PCM would only inflate it, and the copy decodes to the same samples. */
const LOSSY_AUDIO = new Set(['aac', 'mp3', 'mp2', 'ac3', 'eac3', 'opus', 'vorbis', 'dts']);
/** Text subtitles Matroska holds as they are; mov_text (MP4's) becomes SubRip. */
const MATROSKA_SUBTITLES = new Set(['subrip', 'ass', 'ssa', 'webvtt', 'hdmv_pgs_subtitle', 'dvd_subtitle', 'dvb_subtitle', 'text']);

export interface ArchiveAudio {
  track: AudioTrack;
  /** How the master holds it. */
  codec: 'flac' | 'copy' | 'pcm_s32le' | 'pcm_f32le' | 'pcm_f64le';
  /** How both sides of the lossless proof hash it: its decoded samples as this PCM, or its packets as they are (copy). */
  hashAs: 'pcm_s32le' | 'pcm_f32le' | 'pcm_f64le' | 'copy';
}

const isFloat = (format: string | null) => /^(flt|dbl)p?$/.test(format ?? '');

export function archiveAudio(track: AudioTrack): ArchiveAudio {
  // a copied bitstream is compared packet for packet: its decode differs where containers trim priming samples differently
  if (LOSSY_AUDIO.has(track.codec)) return { track, codec: 'copy', hashAs: 'copy' };
  const hashAs = /^dblp?$/.test(track.sampleFormat ?? '') ? 'pcm_f64le' : isFloat(track.sampleFormat) ? 'pcm_f32le' : 'pcm_s32le';
  if (isFloat(track.sampleFormat)) return { track, codec: hashAs === 'pcm_f64le' ? 'pcm_f64le' : 'pcm_f32le', hashAs };
  // FLAC holds integer samples up to 24 bits; true 32-bit integers stay PCM
  const bits = track.bitDepth ?? (/^s16p?$/.test(track.sampleFormat ?? '') ? 16 : 32);
  return { track, codec: bits <= 24 ? 'flac' : 'pcm_s32le', hashAs };
}

/**
 * What ffmpeg hashes on both sides of the proof: every video frame as raw
 * pictures; every decoded audio stream as PCM in 4096-sample frames (the
 * source's and FLAC's packets differ in size); copied audio packet by packet.
 */
export function losslessHashArgs(probe: ProbeResult): string[] {
  const args = ['-map', '0:v'];
  if (probe.audioTracks.length > 0) args.push('-map', '0:a');
  args.push('-c:v', 'rawvideo');
  probe.audioTracks.forEach((track, i) => {
    const hashAs = archiveAudio(track).hashAs;
    args.push(`-c:a:${i}`, hashAs);
    if (hashAs !== 'copy') args.push(`-filter:a:${i}`, 'asetnsamples=n=4096:p=0');
  });
  return args;
}

const FIELD_ORDER = { tff: 'tt', bff: 'bb', progressive: 'progressive' } as const;

export function archiveArgs(preset: ArchivePreset, probe: ProbeResult): { args: string[]; decisions: Decision[]; warnings: string[] } {
  const { video } = probe;
  const decisions: Decision[] = [];
  const warnings: string[] = [];
  if (video.closedCaptions) {
    throw new MpegflowError('the source carries CEA-608/708 captions inside its picture (SEI), which an FFV1 master cannot keep', {
      code: 'ARCHIVE_CAPTIONS_UNKEPT',
      suggestion:
        'extract the captions to a sidecar first (e.g. ccextractor) and archive that beside the master; MpegFlow will not drop them quietly',
    });
  }
  const args = ['-map', '0', '-map', '-0:d?', '-map_metadata', '0', '-map_chapters', '0'];
  const dataStreams = probe.otherStreams.filter((s) => s.type === 'data');
  if (dataStreams.length > 0) {
    decisions.push({
      subject: 'timecode',
      from: `data stream(s) ${dataStreams.map((s) => `${s.index} (${s.codec})`).join(', ')}`,
      to: probe.timecode
        ? `timecode ${probe.timecode} kept as a tag; the data track itself not`
        : 'not kept: Matroska holds no data tracks',
    });
    if (!probe.timecode)
      warnings.push(`data stream(s) ${dataStreams.map((s) => s.index).join(', ')} are not kept: Matroska holds no data tracks`);
  }
  args.push('-c:v', 'ffv1', '-level', String(preset.video.level), '-g', '1', '-slices', String(preset.video.slices));
  args.push('-slicecrc', preset.video.sliceCrc ? '1' : '0', '-fps_mode', 'passthrough');
  if (video.pixelFormat) args.push('-pix_fmt', video.pixelFormat);
  args.push('-field_order', FIELD_ORDER[video.scan.order]);
  const colour = video.colour;
  if (colour.primaries) args.push('-color_primaries', colour.primaries);
  if (colour.transfer) args.push('-color_trc', colour.transfer);
  if (colour.matrix) args.push('-colorspace', colour.matrix);
  if (colour.range) args.push('-color_range', colour.range);
  if (probe.timecode) args.push('-timecode', probe.timecode);
  if (video.rotation !== 0) {
    // Matroska (as ffmpeg 5.1 writes it) has no display matrix: the coded picture is kept, its rotation as a tag
    args.push(`-metadata:s:v:0`, `rotate=${video.rotation}`);
    decisions.push({
      subject: 'rotation',
      from: `rotated ${video.rotation}°`,
      to: 'picture kept as coded; the rotation as a stream tag and in the manifest',
    });
    warnings.push(
      `the master keeps the picture as coded (${video.width}x${video.height} shown after a ${video.rotation}° turn): Matroska from ffmpeg 5.1 holds the rotation only as a tag`,
    );
  }
  if (colour.masteringDisplay || colour.contentLightLevel) {
    warnings.push(
      "the source's HDR mastering-display and light-level metadata are recorded in the manifest, not in the master: ffmpeg 5.1 does not carry them into FFV1",
    );
    decisions.push({ subject: 'colour', from: 'HDR mastering and light-level metadata', to: 'recorded in the manifest' });
  }
  probe.audioTracks.forEach((track, i) => {
    const chosen = archiveAudio(track);
    args.push(`-c:a:${i}`, chosen.codec);
    if (chosen.codec === 'copy') {
      decisions.push({
        subject: 'audio',
        from: `track ${track.index}: ${track.codec}`,
        to: 'kept as is (lossy audio, its bitstream copied)',
      });
    } else if (chosen.codec !== 'flac') {
      decisions.push({
        subject: 'audio',
        from: `track ${track.index}: ${track.sampleFormat} samples`,
        to: `${chosen.codec} (FLAC holds integers up to 24 bits)`,
      });
    }
  });
  probe.subtitles.forEach((subtitle, i) => {
    if (MATROSKA_SUBTITLES.has(subtitle.codec)) {
      args.push(`-c:s:${i}`, 'copy');
    } else if (subtitle.kind === 'text') {
      args.push(`-c:s:${i}`, 'srt');
      decisions.push({
        subject: 'subtitles',
        from: `subtitle ${subtitle.index}: ${subtitle.codec}`,
        to: 'SubRip (Matroska holds no MP4 timed text; styling is lost)',
      });
    } else {
      throw new MpegflowError(`subtitle stream ${subtitle.index} (${subtitle.codec}) cannot be kept in a Matroska master`, {
        code: 'ARCHIVE_STREAM_UNKEPT',
        suggestion: 'archive that stream separately; MpegFlow will not drop it quietly',
      });
    }
  });
  args.push('-c:t', 'copy', '-f', 'matroska', preset.output);
  return { args, decisions, warnings };
}
