import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/**
 * Test media made by ffmpeg's lavfi sources (testsrc2 picture, sine tone):
 * short and small so the suite stays fast on two cores.
 */
export interface MediaSpec {
  width: number;
  height: number;
  seconds: number;
  fps?: number;
  audio?: boolean;
  /** Variable frame rate: the first second at `fps`, the rest at half of it (timestamps kept as is). */
  vfr?: boolean;
  /** Output container options; default an MP4 with the index first. */
  faststart?: boolean;
  /** Film-grain-like noise: a picture that compresses badly, for large lossless outputs. */
  noise?: boolean;
}

export function makeVideo(file: string, spec: MediaSpec): string {
  const fps = spec.fps ?? 25;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${spec.width}x${spec.height}:rate=${fps}:duration=${spec.seconds}${spec.noise ? ',noise=alls=60:allf=t' : ''}`,
  ];
  if (spec.audio !== false) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${spec.seconds}`);
  if (spec.vfr) {
    // keep every frame of the first second, then every other one: timestamps become irregular
    args.push('-vf', `select='lt(n\\,${fps})+not(mod(n\\,2))'`, '-fps_mode', 'vfr');
  }
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(fps), ...(spec.noise ? ['-qp', '0'] : []));
  if (spec.audio !== false) args.push('-c:a', 'aac', '-b:a', '64k', '-shortest');
  if (spec.faststart !== false && file.endsWith('.mp4')) args.push('-movflags', '+faststart');
  args.push(file);
  execFileSync('ffmpeg', args, { stdio: 'pipe' });
  return file;
}

export function makeAudioOnly(file: string, seconds = 2): string {
  execFileSync(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=duration=${seconds}`, '-c:a', 'aac', file],
    { stdio: 'pipe' },
  );
  return file;
}

export function makeGarbage(file: string, bytes = 4096): string {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 7919 + 13) % 251;
  writeFileSync(file, data);
  return file;
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  nb_read_frames?: string;
  sample_rate?: string;
}

export interface Probed {
  format: { duration?: string; format_name: string };
  streams: ProbedStream[];
}

/** ffprobe of a file (optionally counting frames, which decodes it). */
export function probe(file: string, options: { countFrames?: boolean } = {}): Probed {
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams'];
  if (options.countFrames) args.push('-count_frames');
  return JSON.parse(execFileSync('ffprobe', [...args, file], { encoding: 'utf8' })) as Probed;
}

export function videoStream(probed: Probed): ProbedStream {
  const stream = probed.streams.find((s) => s.codec_type === 'video');
  if (!stream) throw new Error('no video stream');
  return stream;
}

export function duration(probed: Probed): number {
  return Number(probed.format.duration);
}

export const rate = (text: string | undefined): number => {
  const [n, d] = (text ?? '0/1').split('/').map(Number);
  return n! / (d || 1);
};
