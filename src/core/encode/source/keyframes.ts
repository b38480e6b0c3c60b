import { runTool, type Tools } from '../ffmpeg/tools.ts';
import { cancelledError, classifyFailure, type ProbeInput, type ProbeResult } from './probe.ts';

/**
 * How far apart a source's keyframes are. A stream copy can cut a segment
 * only at a keyframe, so a keyframe interval longer than the segment target
 * makes longer segments than a player was told to expect. Read from the
 * picture's packets (demuxed, not decoded) in three windows, at the start,
 * the middle and the end, or over the whole of a short source.
 */
export interface KeyframeSpacing {
  /** The longest run from a keyframe to the next (or to the last packet of a window), seconds. */
  maxIntervalSeconds: number;
  /** Where it was seen, seconds into the source. */
  atSeconds: number;
  keyframes: number;
  /** What was read: "the whole source", or the windows. */
  read: string;
}

/**
 * Long enough for two keyframes of any source that suits segments of
 * `segmentSeconds`, wherever the read starts: an MP4 or Matroska window is
 * read from the keyframe before its start, but an MPEG-TS one from wherever
 * the byte seek lands, so a gap is seen whole only in a window of two.
 */
const windowSeconds = (segmentSeconds: number) => 2 * segmentSeconds + 2;

export async function measureKeyframes(options: {
  input: ProbeInput;
  probe: ProbeResult;
  segmentSeconds: number;
  tools: Tools;
  signal?: AbortSignal;
  secrets: string[];
}): Promise<KeyframeSpacing> {
  const { input, probe } = options;
  const length = windowSeconds(options.segmentSeconds);
  const start = probe.startSeconds;
  const duration = probe.durationSeconds;
  const windows =
    duration <= 3 * length ? [] : [start, start + duration / 2 - length / 2, start + duration - length].map((from) => Math.max(0, from));
  const spacings = await Promise.all(
    (windows.length > 0 ? windows : [undefined]).map(async (from) => {
      const run = await runTool({
        file: options.tools.ffprobe,
        args: [
          ...['-v', 'error', '-select_streams', String(probe.video.index)],
          ...(from === undefined ? [] : ['-read_intervals', `${from.toFixed(3)}%+${length}`]),
          ...['-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0'],
          ...(input.inputArgs ?? []),
          input.url,
        ],
        signal: options.signal,
        secrets: options.secrets,
      });
      if (run.aborted) throw cancelledError();
      if (run.exitCode !== 0) throw classifyFailure(input, run.stderrTail);
      return keyframeSpacing(run.stdout);
    }),
  );
  const widest = spacings.reduce((a, b) => (b.maxIntervalSeconds > a.maxIntervalSeconds ? b : a));
  return {
    ...widest,
    keyframes: spacings.reduce((sum, s) => sum + s.keyframes, 0),
    read: windows.length > 0 ? `${windows.length} windows of ${length} s (start, middle, end)` : 'the whole source',
  };
}

/**
 * The spacing of keyframes in ffprobe's packet list of one stretch of the
 * picture (pts,flags lines in decode order): from each keyframe to the next,
 * and from the last one to the last packet read.
 */
export function keyframeSpacing(csv: string): Omit<KeyframeSpacing, 'read'> {
  let max = 0;
  let at = 0;
  let keyframes = 0;
  let lastKey: number | undefined;
  let lastPts: number | undefined;
  const reach = (pts: number) => {
    if (lastKey !== undefined && pts - lastKey > max) [max, at] = [pts - lastKey, lastKey];
  };
  for (const line of csv.split('\n')) {
    const [ptsText, flags = ''] = line.split(',');
    const pts = Number(ptsText);
    if (!ptsText || !Number.isFinite(pts)) continue;
    if (flags.includes('K')) {
      keyframes++;
      reach(pts);
      lastKey = pts;
    }
    // decode order: a B-frame's pts comes after a later frame's
    lastPts = Math.max(lastPts ?? pts, pts);
  }
  if (lastPts !== undefined) reach(lastPts);
  return { maxIntervalSeconds: max, atSeconds: at, keyframes };
}
