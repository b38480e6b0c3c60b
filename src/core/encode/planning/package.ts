import { MpegflowError } from '../../errors.ts';
import type { PackagePreset } from '../presets/preset-model.ts';
import type { KeyframeSpacing } from '../source/keyframes.ts';
import { rationalValue, scanWords, type ProbeResult } from '../source/probe.ts';
import type { AudioTrack } from '../source/streams.ts';
import { languageArgs, subtitleTreatment } from './delivery.ts';
import { formatRate } from './frame.ts';
import { hlsPackaging, hlsPlanPart } from './hls-packaging.ts';
import type { EncodePlan } from './encode-plan.ts';
import type { Decision } from './treatments.ts';

/** The audio MPEG-TS segments of HLS carry (RFC 8216 and Apple's authoring specification); other audio is encoded to AAC. */
const HLS_TS_AUDIO = ['aac', 'mp3', 'ac3', 'eac3'];

/** Pixel formats every HLS player decodes in H.264: 8-bit 4:2:0 (High 10 and 4:2:2 profiles are for contribution, not players). */
const PLAYABLE_PIXEL_FORMATS = ['yuv420p', 'yuvj420p'];

const refuse = (why: string, suggestion: string) =>
  new MpegflowError(`the source cannot be packaged without re-encoding: ${why}`, { code: 'SOURCE_NOT_PACKAGEABLE', suggestion });

const ENCODE_INSTEAD = 'encode it with a delivery preset instead (`--preset hls-h264`)';

/**
 * Why a source's picture cannot go into HLS as it is coded, from the probe
 * alone (before its keyframes are read), or undefined when it can.
 */
export function packageRefusal(probe: ProbeResult): MpegflowError | undefined {
  const video = probe.video;
  if (video.codec === 'hevc')
    return refuse('its picture is HEVC, which HLS carries in fMP4 (CMAF) segments; this packaging writes MPEG-TS', ENCODE_INSTEAD);
  if (video.codec !== 'h264')
    return refuse(
      `its picture is ${video.codec}: HLS in MPEG-TS carries H.264`,
      `${ENCODE_INSTEAD}: ${video.codec} is a mezzanine codec, not a delivery one`,
    );
  if (!PLAYABLE_PIXEL_FORMATS.includes(video.pixelFormat ?? ''))
    return refuse(
      `its H.264 is ${video.profile ?? 'of an unknown profile'} in ${video.pixelFormat ?? 'an unknown pixel format'}: players decode 8-bit 4:2:0`,
      ENCODE_INSTEAD,
    );
  if (video.scan.order === 'tff' || video.scan.order === 'bff')
    return refuse(
      `its picture is ${scanWords(video.scan.order)}: HLS players show progressive pictures`,
      `${ENCODE_INSTEAD}, which deinterlaces`,
    );
  if (video.rotation !== 0)
    return refuse(
      `its picture is stored rotated by ${video.rotation}°, which MPEG-TS has no way to say: it would play on its side`,
      `${ENCODE_INSTEAD}, which turns the picture upright`,
    );
  return undefined;
}

/** The keyframes must be no further apart than a segment (with a frame's leeway): a copy is cut only at a keyframe. */
function keyframeRefusal(preset: PackagePreset, probe: ProbeResult, keyframes: KeyframeSpacing): MpegflowError | undefined {
  const frame = 1 / rationalValue(probe.video.frameRate);
  if (keyframes.maxIntervalSeconds <= preset.segmentSeconds + frame) return undefined;
  return refuse(
    `its keyframes are up to ${keyframes.maxIntervalSeconds.toFixed(2)} s apart (from ${keyframes.atSeconds.toFixed(2)} s; read ${keyframes.read}), longer than the ${preset.segmentSeconds} s segments of ${preset.name}: segments are cut only at keyframes`,
    `use a preset with segmentSeconds of at least ${Math.ceil(keyframes.maxIntervalSeconds)}, or ${ENCODE_INSTEAD}`,
  );
}

/** One audio track as it goes into the package: copied when HLS carries its codec, else AAC at 64 kb/s a channel. */
function audioArgs(track: AudioTrack, i: number): { args: string[]; decision: Decision } {
  const name = `audio ${track.index}${track.language ? ` (${track.language})` : ''}`;
  if (HLS_TS_AUDIO.includes(track.codec))
    return { args: [`-c:a:${i}`, 'copy'], decision: { subject: 'audio', from: `${name}: ${track.codec}`, to: 'copied' } };
  const bitrate = `${Math.min(512, 64 * track.channels)}k`;
  return {
    args: [`-c:a:${i}`, 'aac', `-b:a:${i}`, bitrate],
    decision: {
      subject: 'audio',
      from: `${name}: ${track.codec}, ${track.channels} ch`,
      to: `AAC ${bitrate}, ${track.channels} ch (HLS in MPEG-TS cannot carry ${track.codec})`,
    },
  };
}

/**
 * The source's coded picture and audio into HLS, as one variant with every
 * audio track as an alternate rendition and the text subtitles as WebVTT,
 * through the delivery presets' packaging; nothing is decoded but audio HLS
 * cannot carry.
 */
export function planPackage(preset: PackagePreset, probe: ProbeResult, keyframes: KeyframeSpacing | undefined): EncodePlan {
  const refusal = packageRefusal(probe);
  if (refusal) throw refusal;
  if (!keyframes) throw new Error('the keyframes of the source were not read before planning a package');
  const late = keyframeRefusal(preset, probe, keyframes);
  if (late) throw late;
  const size = { width: probe.video.width, height: probe.video.height };
  const variant = `${Math.min(size.width, size.height)}p`;
  const rate = formatRate(probe.video.frameRate);
  const tracks = probe.audioTracks;
  const audio = tracks.map(audioArgs);
  const args = ['-map', `0:${probe.video.index}`, ...tracks.flatMap((t) => ['-map', `0:${t.index}`]), '-c:v', 'copy'];
  args.push(...audio.flatMap((a) => a.args), ...languageArgs(tracks));
  const packaging = hlsPackaging({ variants: [variant], audio: tracks, segmentSeconds: preset.segmentSeconds, probe });
  args.push(...packaging.args);
  const subtitles = subtitleTreatment(probe, 'WebVTT subtitle renditions');
  const decisions: Decision[] = [
    {
      subject: 'video',
      from: `${probe.video.codec} ${probe.video.profile ?? ''} ${size.width}x${size.height} ${rate} fps`.replace(/ {2}/g, ' '),
      to: `copied, not re-encoded (keyframes at most ${keyframes.maxIntervalSeconds.toFixed(2)} s apart in ${keyframes.read})`,
    },
    ...(probe.video.colour.dynamicRange !== 'sdr'
      ? [{ subject: 'colour' as const, from: probe.video.colour.dynamicRange, to: 'kept as coded (not tone-mapped)' }]
      : []),
    ...(probe.video.closedCaptions
      ? [{ subject: 'captions' as const, from: 'CEA-608/708 captions', to: 'kept in the copied picture' }]
      : []),
    ...audio.map((a) => a.decision),
    ...(tracks.length > 0 ? [{ subject: 'loudness' as const, from: 'as mixed', to: 'kept (a package is not re-mixed)' }] : []),
    ...subtitles.decisions,
    ...(probe.timecode ? [{ subject: 'timecode' as const, from: probe.timecode, to: 'recorded in the manifest (HLS carries none)' }] : []),
  ];
  const others = probe.otherStreams;
  const warnings = [
    ...subtitles.warnings,
    ...(others.length > 0
      ? [
          `${others.map((o) => `stream ${o.index} (${o.type}, ${o.codec})`).join(', ')} ${others.length === 1 ? 'is' : 'are'} not carried: HLS has no place for it`,
        ]
      : []),
  ];
  return {
    kind: 'package',
    renditions: [{ name: variant, ...size, frameRate: rate, videoBitrate: null, audioBitrate: null }],
    ...hlsPlanPart(packaging, args, [variant]),
    expectedDurationSeconds: probe.durationSeconds,
    decisions,
    warnings,
  };
}
