import { analysisInputArgs, runTool, type Tools } from '../ffmpeg/tools.ts';
import type { FieldOrder } from './streams.ts';

/**
 * Whether the picture is interlaced, and in which field order. Containers
 * often say nothing, or the wrong thing (1080i muxed as "progressive", PsF
 * flagged interlaced), so ffmpeg's idet looks at a sample of decoded frames
 * and its verdict wins when it is clear; otherwise the container's word.
 */

export interface IdetCounts {
  tff: number;
  bff: number;
  progressive: number;
  undetermined: number;
}

export interface ScanVerdict {
  order: 'progressive' | 'tff' | 'bff';
  /** Where the verdict comes from: idet's sample, the container (idet unclear), or assumed (neither says). */
  from: 'idet' | 'container' | 'assumed';
  container: FieldOrder;
  idet: IdetCounts | null;
}

/** Frames idet looks at, and where the sample starts: past a slate or black at the head, not past the first minute. */
export const IDET_FRAMES = 60;
export const idetSampleStart = (durationSeconds: number): number => Math.min(30, durationSeconds * 0.1);

/** ffmpeg's summary line: "Multi frame detection: TFF: 25 BFF: 0 Progressive: 0 Undetermined: 0". */
export function parseIdet(stderr: string): IdetCounts | null {
  const match = /Multi frame detection:\s*TFF:\s*(\d+)\s*BFF:\s*(\d+)\s*Progressive:\s*(\d+)\s*Undetermined:\s*(\d+)/.exec(stderr);
  if (!match) return null;
  return { tff: Number(match[1]), bff: Number(match[2]), progressive: Number(match[3]), undetermined: Number(match[4]) };
}

/**
 * idet decides when one reading holds most of the frames it could decide (and
 * it decided a third of the sample): 80 % where the container says nothing,
 * 95 % to overrule what it says. Woven fields read as one field order in every
 * frame; busy progressive pictures (fine detail, fast motion) scatter, and a
 * small moving test pattern reads as 82 % TFF, so the container keeps its word
 * against anything less than near-unanimity.
 */
export function scanVerdict(container: FieldOrder, idet: IdetCounts | null): ScanVerdict {
  if (idet) {
    const decided = idet.tff + idet.bff + idet.progressive;
    if (decided >= 5 && decided >= (decided + idet.undetermined) / 3) {
      const readings = [
        ['tff', idet.tff],
        ['bff', idet.bff],
        ['progressive', idet.progressive],
      ] as const;
      const [order, frames] = readings.reduce((best, reading) => (reading[1] > best[1] ? reading : best));
      const share = container === 'unknown' || container === order ? CLEAR_SHARE : OVERRULING_SHARE;
      if (frames >= decided * share) return { order, from: 'idet', container, idet };
    }
  }
  if (container !== 'unknown') return { order: container, from: 'container', container, idet };
  return { order: 'progressive', from: 'assumed', container, idet };
}

const CLEAR_SHARE = 0.8;
const OVERRULING_SHARE = 0.95;

/** Runs idet on a sample of the video stream; null when ffmpeg cannot (the caller falls back on the container). */
export async function detectScan(options: {
  url: string;
  inputArgs: string[];
  videoIndex: number;
  durationSeconds: number;
  tools: Tools;
  signal?: AbortSignal;
  secrets: string[];
}): Promise<IdetCounts | null> {
  const run = await runTool({
    file: options.tools.ffmpeg,
    args: [
      ...analysisInputArgs(options, idetSampleStart(options.durationSeconds)),
      '-map',
      `0:${options.videoIndex}`,
      '-frames:v',
      String(IDET_FRAMES),
      '-vf',
      'idet',
      '-an',
      '-sn',
      '-dn',
      '-f',
      'null',
      '-',
    ],
    signal: options.signal,
    secrets: options.secrets,
  });
  return run.exitCode === 0 ? parseIdet(run.stderrTail) : null;
}
