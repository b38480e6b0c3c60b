/** framemd5 sidecars: what the archive's fixity check writes, and what verify and the lossless proof compare. */

/** What archives made before the lossless proof hash: every video frame and audio packet in ffmpeg's default raw forms. */
export const LEGACY_FIXITY_ARGS = ['-map', '0:v', '-map', '0:a?'];

/** The checksum lines of a framemd5 file, without the header lines that name the software version. */
export function frameLines(text: string): { header: string[]; frames: string[] } {
  const header: string[] = [];
  const frames: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line) continue;
    if (line.startsWith('#')) {
      if (!line.startsWith('#software')) header.push(line);
    } else frames.push(line.replace(/\s+/g, ' '));
  }
  return { header, frames };
}
