import { readFile, writeFile } from 'node:fs/promises';
import type { HlsRenditions } from '../planning/hls-packaging.ts';
import { outputPath } from './locations.ts';

/**
 * Finishes an HLS master playlist once ffmpeg has written it: the audio
 * renditions get the names and languages of the source's tracks (ffmpeg
 * names them audio_N) and AUTOSELECT, and each WebVTT subtitle track becomes
 * a SUBTITLES rendition that every variant refers to (ffmpeg 5.1 writes
 * subtitle groups only inside a video variant, one language per variant).
 */

const quoted = (value: string) => `"${value.replace(/["\r\n]/g, '')}"`;

function attribute(line: string, name: string): string | null {
  return new RegExp(`[:,]${name}="([^"]*)"`).exec(line)?.[1] ?? null;
}

export function rewriteMaster(master: string, renditions: HlsRenditions, subtitleGroup = 'subtitles'): string {
  const lines = master.split('\n');
  const out: string[] = [];
  for (const line of lines) {
    if (line.startsWith('#EXT-X-MEDIA:TYPE=AUDIO')) {
      const uri = attribute(line, 'URI');
      const audio = renditions.audio.find((a) => uri === `${a.folder}/index.m3u8`);
      if (audio) {
        const attributes = [
          'TYPE=AUDIO',
          `GROUP-ID=${quoted(attribute(line, 'GROUP-ID') ?? 'audio')}`,
          `NAME=${quoted(audio.name)}`,
          ...(audio.language ? [`LANGUAGE=${quoted(audio.language)}`] : []),
          `DEFAULT=${audio.default ? 'YES' : 'NO'}`,
          'AUTOSELECT=YES',
          `URI=${quoted(uri!)}`,
        ];
        out.push(`#EXT-X-MEDIA:${attributes.join(',')}`);
        continue;
      }
    }
    if (line.startsWith('#EXT-X-STREAM-INF:') && renditions.subtitles.length > 0) {
      out.push(`${line},SUBTITLES=${quoted(subtitleGroup)}`);
      continue;
    }
    out.push(line);
  }
  if (renditions.subtitles.length > 0) {
    const media = renditions.subtitles.map((s) =>
      [
        '#EXT-X-MEDIA:TYPE=SUBTITLES',
        `GROUP-ID=${quoted(subtitleGroup)}`,
        `NAME=${quoted(s.name)}`,
        ...(s.language ? [`LANGUAGE=${quoted(s.language)}`] : []),
        `DEFAULT=${s.default ? 'YES' : 'NO'}`,
        'AUTOSELECT=YES',
        `FORCED=${s.forced ? 'YES' : 'NO'}`,
        `URI=${quoted(s.playlist)}`,
      ].join(','),
    );
    const first = out.findIndex((l) => l.startsWith('#EXT-X-MEDIA') || l.startsWith('#EXT-X-STREAM-INF'));
    out.splice(first < 0 ? out.length : first, 0, ...media);
  }
  return out.join('\n');
}

/** A one-segment subtitle playlist for the whole programme. */
export function subtitlePlaylist(file: string, durationSeconds: number): string {
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(durationSeconds))}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${durationSeconds.toFixed(3)},`,
    file,
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

/** Cue times are the programme's; X-TIMESTAMP-MAP ties its zero to the MPEG-TS clock of the segments. */
export function withTimestampMap(vtt: string, mpegtsStart: number): string {
  const body = vtt.replace(/^\uFEFF?WEBVTT[^\n]*\n/, '');
  return `WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:${mpegtsStart},LOCAL:00:00:00.000\n${body}`;
}

/**
 * Where ffmpeg's MPEG-TS clock puts the programme's time zero: 1.4 s (its
 * mux delay, twice), whatever the first frame's own delay; measured on
 * ffmpeg 5.1's HLS segments, where audio starts at exactly 1.400 s.
 */
export const MPEGTS_ZERO = 126_000;

export async function finishHlsRenditions(options: { workDir: string; renditions: HlsRenditions; durationSeconds: number }): Promise<void> {
  const { workDir, renditions } = options;
  const masterFile = outputPath(workDir, 'master.m3u8');
  await writeFile(masterFile, rewriteMaster(await readFile(masterFile, 'utf8'), renditions));
  for (const subtitle of renditions.subtitles) {
    const file = outputPath(workDir, subtitle.file);
    await writeFile(file, withTimestampMap(await readFile(file, 'utf8'), MPEGTS_ZERO));
    await writeFile(outputPath(workDir, subtitle.playlist), subtitlePlaylist(subtitle.file, options.durationSeconds));
  }
}
