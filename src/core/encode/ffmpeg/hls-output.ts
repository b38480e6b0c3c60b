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

export async function mediaDuration(tools: Tools, file: string, signal?: AbortSignal): Promise<number> {
  const run = await runTool({
    file: tools.ffprobe,
    args: ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', `file:${file}`],
    signal,
  });
  const value = Number.parseFloat(run.stdout.trim());
  return Number.isFinite(value) ? value : 0;
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
