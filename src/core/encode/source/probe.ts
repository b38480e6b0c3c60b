import type { ErrorCode } from '../../error-codes.ts';
import { MpegflowError } from '../../errors.ts';
import { lastLines, runTool, type Tools } from '../ffmpeg/tools.ts';
import { parseFfprobeOutput, type FfprobeOutput, type FfprobeStream } from './ffprobe-output.ts';
import { detectScan, scanVerdict, type ScanVerdict } from './scan.ts';
import {
  audioTrackOf,
  bitDepth,
  chroma,
  colourOf,
  containerFieldOrder,
  frameFieldOrder,
  streamDuration,
  subtitleTrackOf,
  timecodeOf,
  type AudioTrack,
  type Colour,
  type OtherStream,
  type SubtitleTrack,
} from './streams.ts';

export interface Rational {
  num: number;
  den: number;
}

/**
 * The one description of a source: what the encode plan decides from, what
 * `mpegflow probe` shows, and what the manifest records.
 */
export interface ProbeResult {
  formatName: string;
  /** The duration that counts: the picture's (a subtitle track that outlasts it does not make the programme longer). */
  durationSeconds: number;
  /** What the container announces; differs when a stream outlasts the picture. */
  containerDurationSeconds: number;
  startSeconds: number;
  sizeBytes: number | null;
  video: {
    index: number;
    codec: string;
    profile: string | null;
    /** Displayed size (after the rotation ffmpeg applies automatically). */
    width: number;
    height: number;
    pixelFormat: string | null;
    bitDepth: number | null;
    chroma: string | null;
    /** Sample (pixel) aspect ratio; 1:1 for square pixels. */
    sampleAspectRatio: Rational;
    /** Average frame rate (frames / duration); the rate CFR outputs are made at. */
    frameRate: Rational;
    /** The container's nominal rate (r_frame_rate), when it gives one. */
    nominalFrameRate: Rational | null;
    /** True when the nominal and average rates disagree: timestamps are irregular. */
    variableFrameRate: boolean;
    rotation: number;
    /** Interlaced or not, and where that verdict comes from (idet on a sample, or the container). */
    scan: ScanVerdict;
    colour: Colour;
    /** CEA-608/708 captions carried in the picture's SEI/user data. */
    closedCaptions: boolean;
  };
  /** The first audio track (what a single-track output takes), or null. */
  audio: AudioTrack | null;
  audioTracks: AudioTrack[];
  subtitles: SubtitleTrack[];
  /** Data, attachment and further video streams (timecode tracks, fonts, cover art). */
  otherStreams: OtherStream[];
  timecode: string | null;
  /** What a person should know of the source that does not stop an encode. */
  warnings: string[];
}

/** How the probe reads its input: a local path, or a URL plus what may be shown in its place. */
export interface ProbeInput {
  /** What ffprobe opens (a path, or a remote source's relay URL). */
  url: string;
  /** What people see instead (the path, or ALIAS/BUCKET/KEY). */
  display: string;
  /** Extra input options (HTTP reconnect...). */
  inputArgs?: string[];
}

export function parseRational(text: string | undefined): Rational | null {
  const match = /^(\d+)(?:\/(\d+))?$/.exec(text ?? '');
  if (!match) return null;
  const num = Number(match[1]);
  const den = match[2] === undefined ? 1 : Number(match[2]);
  return num > 0 && den > 0 ? { num, den } : null;
}

export const rationalValue = (r: Rational): number => r.num / r.den;

function refused(input: ProbeInput, why: string, code: ErrorCode, suggestion: string, stderr?: string): MpegflowError {
  return new MpegflowError(`cannot encode ${input.display}: ${why}`, {
    code,
    suggestion,
    details: stderr ? { ffprobe: lastLines(stderr, 6) } : undefined,
  });
}

/** Warnings, not just errors: an HTTP status other than 400/401/403/404 is only named in a warning ("HTTP error 412 ..."). */
const PROBE_LOG_LEVEL = 'warning';

export function classifyFailure(input: ProbeInput, stderr: string): MpegflowError {
  if (/412 Precondition Failed|Server returned 412/i.test(stderr)) {
    // the If-Match on the ETag read at the start no longer holds
    return new MpegflowError(`${input.display} changed while ffprobe read it`, {
      code: 'SOURCE_CHANGED',
      suggestion: 'run the encode again once the upload of the source has finished',
      details: { ffprobe: lastLines(stderr, 6) },
    });
  }
  if (/403 Forbidden|Server returned 403/i.test(stderr)) {
    return new MpegflowError(`the storage refused to let ffprobe read ${input.display} (HTTP 403)`, {
      code: 'SOURCE_ACCESS_DENIED',
      suggestion: 'check that the endpoint credentials may read this object and that the clocks of this host and MinIO agree',
      details: { ffprobe: lastLines(stderr, 6) },
    });
  }
  if (/Permission denied/i.test(stderr)) {
    return refused(input, 'permission denied', 'SOURCE_UNREADABLE', "check the file's permissions (`ls -l`)", stderr);
  }
  if (/404 Not Found|Server returned 404|No such file or directory/i.test(stderr)) {
    return refused(input, 'the source does not exist', 'SOURCE_NOT_FOUND', 'check the path or object key', stderr);
  }
  if (/Connection refused|Connection timed out|Network is unreachable|Server returned 5(\d\d|XX)|HTTP error 5\d\d/i.test(stderr)) {
    return new MpegflowError(`ffprobe could not reach the storage holding ${input.display}`, {
      code: 'SOURCE_UNREACHABLE',
      retryable: true,
      suggestion: 'check that MinIO is up (`mpegflow endpoint test ALIAS`) and run the encode again',
      details: { ffprobe: lastLines(stderr, 6) },
    });
  }
  return refused(
    input,
    'it is not a media file ffmpeg can read (corrupt, truncated, or not audio/video at all)',
    'SOURCE_UNREADABLE',
    'check the file plays (`ffprobe FILE`); re-copy it from its origin if it was cut short',
    stderr,
  );
}

/**
 * Probes a source with ffprobe and refuses, before any encode, anything that
 * cannot give a complete video output: unreadable or corrupt data, no video
 * stream (audio only, or only cover art), no duration (a still image), or a
 * file whose last packets are missing (cut short after its index was written).
 * Describes the rest: interlacing (idet on a sample), colour and HDR
 * metadata, every audio and subtitle track, timecode.
 */
export async function probeSource(options: ProbeOptions): Promise<ProbeResult> {
  const [described] = await probeSourceWith(options, async () => undefined);
  return described;
}

export interface ProbeOptions {
  input: ProbeInput;
  tools: Tools;
  signal?: AbortSignal;
  secrets?: string[];
}

/**
 * probeSource, with `alongside` run while the sample is checked (idet, the
 * last packets) once the streams are known: a loudness measurement reads the
 * audio at the same time instead of after.
 */
export async function probeSourceWith<T>(
  options: ProbeOptions,
  alongside: (streams: ProbeResult) => Promise<T>,
): Promise<[ProbeResult, T]> {
  const { input, tools, signal } = options;
  const secrets = [input.url, ...(options.secrets ?? [])];
  const run = await runTool({
    file: tools.ffprobe,
    args: [
      '-v',
      PROBE_LOG_LEVEL,
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      // the first frames: the codec's interlace flags and HDR side data live there, not in the stream
      '-show_frames',
      '-read_intervals',
      '%+#8',
      '-show_entries',
      'frame=media_type,stream_index,interlaced_frame,top_field_first,side_data_list',
      ...(input.inputArgs ?? []),
      input.url,
    ],
    signal,
    secrets,
  });
  if (run.aborted) throw cancelledError();
  if (run.exitCode !== 0) throw classifyFailure(input, run.stderrTail);
  let json: unknown;
  try {
    json = JSON.parse(run.stdout);
  } catch {
    throw classifyFailure(input, run.stderrTail);
  }
  const parsed = parseFfprobeOutput(json, tools.ffprobe);
  const described = describe(input, parsed);
  const [idet, , extra] = await Promise.all([
    detectScan({
      url: input.url,
      inputArgs: input.inputArgs ?? [],
      videoIndex: described.video.index,
      durationSeconds: described.durationSeconds,
      tools,
      signal,
      secrets,
    }),
    checkComplete(options, described, secrets),
    alongside(described),
  ]);
  if (signal?.aborted) throw cancelledError();
  const { scan } = described.video;
  described.video.scan = scanVerdict(scan.container, idet);
  const verdict = described.video.scan;
  if (verdict.from === 'idet' && scan.container !== 'unknown' && scan.container !== verdict.order) {
    described.warnings.push(
      `the container says the picture is ${scanWords(scan.container)}, but idet finds it ${scanWords(verdict.order)} (${verdict.idet!.tff} TFF, ${verdict.idet!.bff} BFF, ${verdict.idet!.progressive} progressive frames of its sample): treated as ${scanWords(verdict.order)}`,
    );
  }
  if (verdict.from === 'assumed') {
    described.warnings.push(
      'neither the container nor idet can tell whether the picture is interlaced (a still or a sample without motion): treated as progressive',
    );
  }
  return [described, extra];
}

export const scanWords = (order: string): string =>
  order === 'tff' ? 'interlaced, top field first' : order === 'bff' ? 'interlaced, bottom field first' : order;

function describe(input: ProbeInput, parsed: FfprobeOutput): ProbeResult {
  const streams = parsed.streams ?? [];
  const frames = parsed.frames ?? [];
  const isPicture = (s: FfprobeStream) => s.codec_type === 'video' && !s.disposition?.attached_pic && (s.width ?? 0) > 0;
  const videoStream = streams.find(isPicture);
  const audioStreams = streams.filter((s) => s.codec_type === 'audio');
  if (!videoStream) {
    const what = audioStreams.length > 0 ? 'it has no video stream (audio only)' : 'it has no video stream';
    throw refused(input, what, 'SOURCE_NO_VIDEO', 'MpegFlow presets encode video; pick a video file');
  }
  const undecodable = [videoStream, ...audioStreams].find((s) => !s.codec_name || s.codec_name === 'unknown' || s.codec_name === 'none');
  if (undecodable) {
    const tag = undecodable.codec_tag_string ? ` (codec tag ${undecodable.codec_tag_string})` : '';
    throw refused(
      input,
      `its ${undecodable.codec_type} stream ${undecodable.index}${tag} is in a codec this ffmpeg cannot decode`,
      'SOURCE_CODEC_UNSUPPORTED',
      'transcode it with the tool that made it, or install an ffmpeg built with that decoder and point MPEGFLOW_FFMPEG and MPEGFLOW_FFPROBE at it',
    );
  }
  const formatName = parsed.format?.format_name ?? 'unknown';
  const containerDurationSeconds = Number(parsed.format?.duration ?? NaN);
  const videoDuration = streamDuration(videoStream);
  const durationSeconds = videoDuration ?? containerDurationSeconds;
  if (/image2|_pipe$|^(png|jpeg|gif|webp)/.test(formatName) || !Number.isFinite(durationSeconds) || durationSeconds <= 0) {
    throw refused(
      input,
      'it has no duration (a still image or a stream without timing)',
      'SOURCE_NO_DURATION',
      'pick a video file with a known duration',
    );
  }
  const warnings: string[] = [];
  const longest = Number.isFinite(containerDurationSeconds) ? containerDurationSeconds : durationSeconds;
  if (longest - durationSeconds > 0.5) {
    const outlasting = streams
      .filter((s) => s !== videoStream && (streamDuration(s) ?? 0) > durationSeconds + 0.5)
      .map((s) => `${s.codec_type ?? 'stream'} ${s.index}`);
    warnings.push(
      `the container lasts ${longest.toFixed(2)} s but the picture ${durationSeconds.toFixed(2)} s${outlasting.length ? ` (${outlasting.join(', ')} outlast${outlasting.length === 1 ? 's' : ''} it)` : ''}: outputs are judged by the picture's duration`,
    );
  }
  const startSeconds = Number(parsed.format?.start_time ?? 0) || 0;
  const rotationRaw =
    videoStream.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation ?? Number(videoStream.tags?.rotate ?? 0);
  const rotation = ((Math.round(rotationRaw) % 360) + 360) % 360;
  const swap = rotation === 90 || rotation === 270;
  const avg = parseRational(videoStream.avg_frame_rate);
  const nominal = parseRational(videoStream.r_frame_rate);
  const frameRate = avg ?? nominal ?? { num: 25, den: 1 };
  const variableFrameRate = Boolean(
    avg && nominal && Math.abs(rationalValue(avg) - rationalValue(nominal)) / rationalValue(nominal) > 0.01,
  );
  const container = containerFieldOrder(videoStream.field_order);
  const fromFrames = frameFieldOrder(frames, videoStream.index);
  const audioTracks = audioStreams.map(audioTrackOf);
  return {
    formatName,
    durationSeconds,
    containerDurationSeconds: Number.isFinite(containerDurationSeconds) ? containerDurationSeconds : durationSeconds,
    startSeconds,
    sizeBytes: parsed.format?.size ? Number(parsed.format.size) : null,
    video: {
      index: videoStream.index,
      codec: videoStream.codec_name ?? 'unknown',
      profile: videoStream.profile ?? null,
      width: swap ? videoStream.height! : videoStream.width!,
      height: swap ? videoStream.width! : videoStream.height!,
      pixelFormat: videoStream.pix_fmt ?? null,
      bitDepth: bitDepth(videoStream),
      chroma: chroma(videoStream.pix_fmt ?? null),
      sampleAspectRatio: parseRational(videoStream.sample_aspect_ratio?.replace(':', '/')) ?? { num: 1, den: 1 },
      frameRate,
      nominalFrameRate: nominal,
      variableFrameRate,
      rotation,
      // the container's word, else the codec's own flags; idet's verdict replaces it once it has run
      scan: scanVerdict(container !== 'unknown' ? container : fromFrames, null),
      colour: colourOf(videoStream, frames),
      closedCaptions: videoStream.closed_captions === 1,
    },
    audio: audioTracks[0] ?? null,
    audioTracks,
    subtitles: streams.filter((s) => s.codec_type === 'subtitle').map(subtitleTrackOf),
    otherStreams: streams
      .filter((s) => s !== videoStream && s.codec_type !== 'audio' && s.codec_type !== 'subtitle')
      .map((s) => ({ index: s.index, type: s.codec_type ?? 'unknown', codec: s.codec_name ?? s.tags?.mimetype ?? 'unknown' })),
    timecode: timecodeOf(parsed),
    warnings,
  };
}

/** Reads the packets of the last seconds: a file cut short after its index was written ends early. */
async function checkComplete(
  options: { input: ProbeInput; tools: Tools; signal?: AbortSignal },
  probe: ProbeResult,
  secrets: string[],
): Promise<void> {
  const { input } = options;
  const from = Math.max(0, probe.startSeconds + probe.durationSeconds - 3);
  const run = await runTool({
    file: options.tools.ffprobe,
    args: [
      '-v',
      PROBE_LOG_LEVEL,
      '-read_intervals',
      `${from.toFixed(3)}%`,
      '-show_entries',
      'packet=pts_time,duration_time',
      '-of',
      'csv=p=0',
      ...(input.inputArgs ?? []),
      input.url,
    ],
    signal: options.signal,
    secrets,
  });
  if (run.aborted) throw cancelledError();
  if (run.exitCode !== 0) throw classifyFailure(input, run.stderrTail);
  let end = 0;
  for (const line of run.stdout.split('\n')) {
    const [pts, duration] = line.split(',').map(Number);
    if (Number.isFinite(pts)) end = Math.max(end, pts! + (Number.isFinite(duration) ? duration! : 0));
  }
  const covered = end - probe.startSeconds;
  const tolerance = 0.5 + probe.durationSeconds * 0.001;
  if (covered < probe.durationSeconds - tolerance) {
    throw refused(
      input,
      `it is truncated: its header announces ${probe.durationSeconds.toFixed(2)} s but the data ends at ${Math.max(0, covered).toFixed(2)} s`,
      'SOURCE_TRUNCATED',
      'the file was cut short (an interrupted copy or upload?); copy it again from its origin',
      run.stderrTail,
    );
  }
}

export function cancelledError(): MpegflowError {
  return new MpegflowError('the encode was cancelled', { code: 'CANCELLED', suggestion: 'run it again when you are ready' });
}
