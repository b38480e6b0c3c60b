import type { Decision } from '../planning/treatments.ts';

/**
 * Typed progress events of an encode. The core emits them through
 * `onProgress`; src/ui renders them (listr2 on a terminal, timestamped lines
 * for cron) and the job worker stores them. They never carry URLs or secrets.
 */

/** `publish`: `encode --force` moving a new encode staged in the bucket into place over the one it replaces. */
export type EncodeStage = 'probe' | 'ladder' | 'encode' | 'fixity' | 'quality' | 'upload' | 'manifest' | 'publish' | 'verify';

export type EncodeProgressEvent =
  | { type: 'stage'; stage: EncodeStage; state: 'start' | 'done' | 'skipped'; at: Date; detail?: string }
  | {
      type: 'plan';
      at: Date;
      preset: string;
      durationSeconds: number;
      /** Renditions in the order the encode produces them (one entry for single-output presets). */
      renditions: { name: string; width: number; height: number }[];
      remoteSource: boolean;
      remoteDestination: boolean;
      /** The stages still to come, in order. */
      stages: EncodeStage[];
      /** What the encode does with each thing the source carries ("interlaced TFF" -> "progressive: bwdif"). */
      decisions: Decision[];
    }
  | {
      type: 'encode';
      at: Date;
      stage: 'encode' | 'fixity';
      /** The renditions this ffmpeg process produces (all of them for an HLS ladder). */
      renditions: string[];
      attempt: number;
      percent: number;
      outTimeSeconds: number;
      fps: number | null;
      speed: number | null;
      etaSeconds: number | null;
    }
  | {
      type: 'upload';
      at: Date;
      object: string;
      /** Bytes of this object stored so far (all of it when `done`). */
      objectBytes: number;
      /** Bytes sent in this run, including parts of objects still uploading. */
      bytesUploaded: number;
      /** Objects completely stored. */
      objectsUploaded: number;
      /** False for a part of a multipart upload, true when the object is stored. */
      done: boolean;
    }
  /** The quality gate scoring `renditions` against the source: percent of the source scored. */
  | { type: 'quality'; at: Date; renditions: string[]; percent: number; etaSeconds: number | null }
  | { type: 'verify'; at: Date; object: string; checked: number; total: number; ok: boolean }
  /** Outputs copied into place so far (server-side), of `total`; the manifest follows them. */
  | { type: 'publish'; at: Date; moved: number; total: number }
  | { type: 'retry'; at: Date; attempt: number; reason: string }
  | { type: 'warning'; at: Date; message: string };

export type ProgressListener = (event: EncodeProgressEvent) => void;

/** Calls the listener, if any, and swallows its failures: rendering progress must never fail an encode or a check. */
export function safeListener(listener: ProgressListener | undefined): ProgressListener {
  return (event) => {
    try {
      listener?.(event);
    } catch {
      // ignored on purpose
    }
  };
}

/** One block of ffmpeg `-progress` output, as numbers. */
export interface FfmpegProgress {
  frame: number | null;
  fps: number | null;
  outTimeSeconds: number;
  speed: number | null;
  totalSize: number | null;
  ended: boolean;
}

/**
 * Parses `-progress pipe:1` (key=value lines, each block closed by
 * `progress=continue|end`) and calls `onBlock` once per block.
 */
export function createProgressParser(onBlock: (progress: FfmpegProgress) => void): (line: string) => void {
  let block: Record<string, string> = {};
  return (line: string) => {
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    block[key] = value;
    if (key !== 'progress') return;
    const num = (v: string | undefined): number | null => {
      const n = Number.parseFloat(v ?? '');
      return Number.isFinite(n) ? n : null;
    };
    const outUs = num(block.out_time_us) ?? num(block.out_time_ms);
    onBlock({
      frame: num(block.frame),
      fps: num(block.fps),
      outTimeSeconds: outUs !== null && outUs > 0 ? outUs / 1e6 : 0,
      speed: num(block.speed?.replace(/x$/, '')),
      totalSize: num(block.total_size),
      ended: value === 'end',
    });
    block = {};
  };
}

/** Percent done and time left from ffmpeg's position in the output against the source duration. */
export function progressFigures(progress: FfmpegProgress, durationSeconds: number): { percent: number; etaSeconds: number | null } {
  const percent = progress.ended ? 100 : Math.max(0, Math.min(99.9, (progress.outTimeSeconds / durationSeconds) * 100));
  const remaining = Math.max(0, durationSeconds - progress.outTimeSeconds);
  const etaSeconds = progress.ended ? 0 : progress.speed && progress.speed > 0 ? remaining / progress.speed : null;
  return { percent: Math.round(percent * 10) / 10, etaSeconds: etaSeconds === null ? null : Math.round(etaSeconds) };
}
