import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { runTool, type Tools } from './tools.ts';

/** HLS outputs while ffmpeg writes them: finished segments handed over early, playlists read back for their duration. */
export function watchSegments(
  workDir: string,
  renditions: string[],
  onSegment: (name: string) => void,
): { scan: () => Promise<void>; stop: () => void } {
  const seen = new Set<string>();
  const scan = async () => {
    for (const rendition of renditions) {
      let files: string[];
      try {
        files = await readdir(path.join(workDir, rendition));
      } catch {
        continue;
      }
      for (const file of files.sort()) {
        const name = `${rendition}/${file}`;
        if (/^seg_\d+\.ts$/.test(file) && !seen.has(name)) {
          seen.add(name);
          onSegment(name);
        }
      }
    }
  };
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void scan().finally(() => (busy = false));
  }, 300);
  return { scan, stop: () => clearInterval(timer) };
}

/** An output file's duration, and the average bitrate of its video as the container records it (null when it records none). */
export async function mediaFacts(
  tools: Tools,
  file: string,
  signal?: AbortSignal,
): Promise<{ durationSeconds: number; videoBitrate: number | null }> {
  const run = await runTool({
    file: tools.ffprobe,
    args: ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,bit_rate', '-of', 'json', `file:${file}`],
    signal,
  });
  let parsed: { format?: { duration?: string }; streams?: { codec_type?: string; bit_rate?: string }[] } = {};
  try {
    parsed = JSON.parse(run.stdout) as typeof parsed;
  } catch {
    // an unreadable output has no duration: the caller refuses it as truncated
  }
  const duration = Number.parseFloat(parsed.format?.duration ?? '');
  const bitrate = Number.parseInt(parsed.streams?.find((s) => s.codec_type === 'video')?.bit_rate ?? '', 10);
  return { durationSeconds: Number.isFinite(duration) ? duration : 0, videoBitrate: Number.isFinite(bitrate) ? bitrate : null };
}

/** Segment names and total duration of an HLS media playlist; ENDLIST must be there. */
export function parseMediaPlaylist(text: string): { segments: string[]; durationSeconds: number; ended: boolean } {
  const segments: string[] = [];
  let durationSeconds = 0;
  for (const line of text.split(/\r?\n/)) {
    const extinf = /^#EXTINF:([\d.]+)/.exec(line);
    if (extinf) durationSeconds += Number(extinf[1]);
    else if (line && !line.startsWith('#')) segments.push(line.trim());
  }
  return { segments, durationSeconds, ended: /^#EXT-X-ENDLIST/m.test(text) };
}
