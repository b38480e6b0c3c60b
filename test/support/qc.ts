import { execFileSync, spawnSync } from 'node:child_process';

/**
 * What a QC engineer runs on an output, independent of MpegFlow's own code:
 * ffprobe for streams and tags, idet for interlacing, ebur128 for loudness,
 * framemd5 and md5 for lossless.
 */

export interface QcStream {
  index: number;
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  field_order?: string;
  sample_aspect_ratio?: string;
  color_primaries?: string;
  color_transfer?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
}

export function streamsOf(file: string): { streams: QcStream[]; format: { tags?: Record<string, string> } } {
  return JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', file], { encoding: 'utf8' }),
  ) as { streams: QcStream[]; format: { tags?: Record<string, string> } };
}

const ratio = (text: string | undefined): number => {
  const [a, b] = (text ?? '1:1').split(/[:/]/).map(Number);
  return b ? a! / b : 1;
};

/** Width over height as shown: the sample aspect applied, turned by a rotation flag. */
export function displayAspect(stream: QcStream): number {
  const sar = stream.sample_aspect_ratio && stream.sample_aspect_ratio !== '0:1' ? ratio(stream.sample_aspect_ratio) : 1;
  const aspect = (stream.width! * sar) / stream.height!;
  const rotation = Math.abs(stream.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation ?? 0);
  return rotation === 90 || rotation === 270 ? 1 / aspect : aspect;
}

export const frameRate = ratio;

export interface IdetCounts {
  tff: number;
  bff: number;
  progressive: number;
  undetermined: number;
}

export function idetOf(file: string, frames = 60): IdetCounts {
  const run = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-i', file, '-map', '0:v:0', '-frames:v', String(frames), '-vf', 'idet', '-an', '-sn', '-f', 'null', '-'],
    { encoding: 'utf8' },
  );
  return parseIdetLog(run.stderr);
}

function parseIdetLog(log: string): IdetCounts {
  const match = /Multi frame detection:\s*TFF:\s*(\d+)\s*BFF:\s*(\d+)\s*Progressive:\s*(\d+)\s*Undetermined:\s*(\d+)/.exec(log);
  if (!match) throw new Error(`idet said nothing:\n${log.slice(-500)}`);
  return { tff: Number(match[1]), bff: Number(match[2]), progressive: Number(match[3]), undetermined: Number(match[4]) };
}

/** Clearly interlaced: one field order in 80 % of the frames idet could decide (busy progressive test pictures scatter below that; woven fields read 100 %). */
export function combs(counts: IdetCounts): boolean {
  const decided = counts.tff + counts.bff + counts.progressive;
  return decided > 0 && Math.max(counts.tff, counts.bff) >= decided * 0.8;
}

/** EBU R128 integrated loudness and true peak of one audio stream (as stereo with `stereo`, as a player would down- or up-mix it). */
export function loudnessOf(file: string, stream = '0:a:0', stereo = false): { integrated: number; truePeak: number } {
  const filter = `${stereo ? 'aformat=channel_layouts=stereo,' : ''}ebur128=peak=true`;
  const result = spawnSync('ffmpeg', ['-hide_banner', '-nostats', '-i', file, '-map', stream, '-af', filter, '-f', 'null', '-'], {
    encoding: 'utf8',
  }).stderr.slice(-1500);
  const integrated = Number(/I:\s+(-?[\d.]+|-inf) LUFS/.exec(result)?.[1]);
  const peak = /Peak:\s+(-?[\d.]+|-inf) dBFS/.exec(result)?.[1];
  return { integrated, truePeak: peak === '-inf' ? -Infinity : Number(peak) };
}

/** The hash column of each decoded picture of the first video stream. */
export function frameHashes(file: string): string[] {
  return execFileSync('ffmpeg', ['-v', 'error', '-noautorotate', '-i', file, '-map', '0:v:0', '-f', 'framemd5', '-'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
    .split('\n')
    .filter((line) => /^\d+,/.test(line))
    .map((line) => line.split(',').at(-1)!.trim());
}

/** One md5 of a whole audio stream: its decoded samples as 64-bit floats (exact for 16-, 24- and 32-bit and float), or its packets. */
export function audioHash(file: string, audioIndex: number, as: 'decoded' | 'packets'): string {
  const codec = as === 'decoded' ? ['-c:a', 'pcm_f64le'] : ['-c:a', 'copy'];
  return execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-map', `0:a:${audioIndex}`, ...codec, '-f', 'md5', '-'], {
    encoding: 'utf8',
  }).trim();
}
