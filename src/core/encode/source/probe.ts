import { MpegflowError } from '../../errors.ts';
import { lastLines, runTool, type Tools } from '../ffmpeg/tools.ts';

export interface Rational {
  num: number;
  den: number;
}

export interface ProbeResult {
  formatName: string;
  durationSeconds: number;
  startSeconds: number;
  sizeBytes: number | null;
  video: {
    index: number;
    codec: string;
    /** Displayed size (after the rotation ffmpeg applies automatically). */
    width: number;
    height: number;
    pixelFormat: string | null;
    /** Sample (pixel) aspect ratio; 1:1 for square pixels. */
    sampleAspectRatio: Rational;
    /** Average frame rate (frames / duration); the rate CFR outputs are made at. */
    frameRate: Rational;
    /** The container's nominal rate (r_frame_rate), when it gives one. */
    nominalFrameRate: Rational | null;
    /** True when the nominal and average rates disagree: timestamps are irregular. */
    variableFrameRate: boolean;
    rotation: number;
  };
  audio: { index: number; codec: string; channels: number; sampleRate: number } | null;
  audioStreams: number;
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

interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  sample_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  channels?: number;
  sample_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
}

interface FfprobeOutput {
  format?: { format_name?: string; duration?: string; start_time?: string; size?: string };
  streams?: FfprobeStream[];
}

export function parseRational(text: string | undefined): Rational | null {
  const match = /^(\d+)(?:\/(\d+))?$/.exec(text ?? '');
  if (!match) return null;
  const num = Number(match[1]);
  const den = match[2] === undefined ? 1 : Number(match[2]);
  return num > 0 && den > 0 ? { num, den } : null;
}

export const rationalValue = (r: Rational): number => r.num / r.den;

function refused(input: ProbeInput, why: string, code: string, suggestion: string, stderr?: string): MpegflowError {
  return new MpegflowError(`cannot encode ${input.display}: ${why}`, {
    code,
    suggestion,
    details: stderr ? { ffprobe: lastLines(stderr, 6) } : undefined,
  });
}

/** Warnings, not just errors: an HTTP status other than 400/401/403/404 is only named in a warning ("HTTP error 412 ..."). */
const PROBE_LOG_LEVEL = 'warning';

function classifyFailure(input: ProbeInput, stderr: string): MpegflowError {
  if (/412 Precondition Failed|Server returned 412/i.test(stderr)) {
    // the If-Match on the ETag read at the start no longer holds
    return new MpegflowError(`${input.display} changed while ffprobe read it`, {
      code: 'SOURCE_CHANGED',
      kind: 'external',
      suggestion: 'run the encode again once the upload of the source has finished',
      details: { ffprobe: lastLines(stderr, 6) },
    });
  }
  if (/403 Forbidden|Server returned 403/i.test(stderr)) {
    return new MpegflowError(`the storage refused to let ffprobe read ${input.display} (HTTP 403)`, {
      code: 'SOURCE_ACCESS_DENIED',
      kind: 'external',
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
      kind: 'external',
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
 */
export async function probeSource(options: {
  input: ProbeInput;
  tools: Tools;
  signal?: AbortSignal;
  secrets?: string[];
}): Promise<ProbeResult> {
  const { input, tools, signal } = options;
  const secrets = [input.url, ...(options.secrets ?? [])];
  const run = await runTool({
    file: tools.ffprobe,
    args: ['-v', PROBE_LOG_LEVEL, '-print_format', 'json', '-show_format', '-show_streams', ...(input.inputArgs ?? []), input.url],
    signal,
    secrets,
  });
  if (run.aborted) throw cancelledError();
  if (run.exitCode !== 0) throw classifyFailure(input, run.stderrTail);
  let parsed: FfprobeOutput;
  try {
    parsed = JSON.parse(run.stdout) as FfprobeOutput;
  } catch {
    throw classifyFailure(input, run.stderrTail);
  }
  const streams = parsed.streams ?? [];
  const videoStream = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic && (s.width ?? 0) > 0);
  const audioStreams = streams.filter((s) => s.codec_type === 'audio');
  if (!videoStream) {
    const what = audioStreams.length > 0 ? 'it has no video stream (audio only)' : 'it has no video stream';
    throw refused(input, what, 'SOURCE_NO_VIDEO', 'MpegFlow presets encode video; pick a video file');
  }
  const formatName = parsed.format?.format_name ?? 'unknown';
  const durationSeconds = Number(parsed.format?.duration ?? videoStream.duration ?? NaN);
  if (/image2|_pipe$|^(png|jpeg|gif|webp)/.test(formatName) || !Number.isFinite(durationSeconds) || durationSeconds <= 0) {
    throw refused(
      input,
      'it has no duration (a still image or a stream without timing)',
      'SOURCE_NO_DURATION',
      'pick a video file with a known duration',
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
  const audio = audioStreams[0];
  const result: ProbeResult = {
    formatName,
    durationSeconds,
    startSeconds,
    sizeBytes: parsed.format?.size ? Number(parsed.format.size) : null,
    video: {
      index: videoStream.index,
      codec: videoStream.codec_name ?? 'unknown',
      width: swap ? videoStream.height! : videoStream.width!,
      height: swap ? videoStream.width! : videoStream.height!,
      pixelFormat: videoStream.pix_fmt ?? null,
      sampleAspectRatio: parseRational(videoStream.sample_aspect_ratio?.replace(':', '/')) ?? { num: 1, den: 1 },
      frameRate,
      nominalFrameRate: nominal,
      variableFrameRate,
      rotation,
    },
    audio: audio
      ? {
          index: audio.index,
          codec: audio.codec_name ?? 'unknown',
          channels: audio.channels ?? 2,
          sampleRate: Number(audio.sample_rate ?? 48000),
        }
      : null,
    audioStreams: audioStreams.length,
  };
  await checkComplete(options, result, secrets);
  return result;
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
  return new MpegflowError('the encode was cancelled', { code: 'CANCELLED', exitCode: 130, suggestion: 'run it again when you are ready' });
}
