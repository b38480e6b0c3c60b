import type { ProbeResult } from '../source/probe.ts';
import type { AudioOutput } from './treatments.ts';

/**
 * What every HLS output is packaged as, encoded or stream-copied: the
 * variants and their alternate audio in one ffmpeg run, MPEG-TS segments with
 * a VOD playlist each, a master playlist, and each text subtitle track as a
 * WebVTT rendition that MpegFlow adds to the master once ffmpeg is done.
 */

/** The alternate renditions of an HLS encode: what MpegFlow writes into ffmpeg's master playlist (names, subtitles) once it is done. */
export interface HlsRenditions {
  audio: { folder: string; name: string; language: string | null; default: boolean }[];
  subtitles: { file: string; playlist: string; name: string; language: string | null; default: boolean; forced: boolean }[];
}

/** Folder and file names for alternate renditions: by language, numbered when a language repeats or is unknown, never a rung's name. */
function renditionNames(prefix: string, languages: (string | null)[], taken: string[]): string[] {
  const names: string[] = [];
  languages.forEach((language, i) => {
    let name = language && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(language) ? `${prefix}_${language}` : `${prefix}_${i + 1}`;
    while (names.includes(name) || taken.includes(name)) name = `${name}_${i + 1}`;
    names.push(name);
  });
  return names;
}

export interface HlsPackaging {
  /** The muxer's arguments and the subtitle outputs, after the streams are mapped and their codecs set. */
  args: string[];
  /** Every variant's and alternate audio's folder. */
  folders: string[];
  /** What the pass writes: the master, the folders, the subtitle files and playlists. */
  outputs: string[];
  renditions: HlsRenditions;
  /** Each folder's media playlist, whose segment durations must add up to the programme's. */
  durationChecks: { output: string; kind: 'hls-playlist' }[];
}

/**
 * What the plan of every HLS output holds alike: the one pass that writes the
 * variants (their segments handed over while it runs), the playlists whose
 * durations are checked, the renditions finished in the master afterwards.
 */
export function hlsPlanPart(packaging: HlsPackaging, outputArgs: string[], variants: string[]) {
  return {
    passes: [
      {
        stage: 'encode' as const,
        input: { kind: 'source' as const },
        outputArgs,
        renditions: variants,
        folders: packaging.folders,
        outputs: packaging.outputs,
      },
    ],
    streamingSegments: true,
    durationChecks: packaging.durationChecks,
    hls: packaging.renditions,
  };
}

/**
 * The packaging of variants (mapped as v:0.., named by `variants`) and audio
 * outputs (a:0.., one alternate-audio group every variant refers to) into
 * `segmentSeconds` segments, with the source's text subtitles as WebVTT.
 */
export function hlsPackaging(options: {
  variants: string[];
  audio: Pick<AudioOutput, 'language' | 'title'>[];
  segmentSeconds: number;
  probe: ProbeResult;
}): HlsPackaging {
  const { variants, audio, probe } = options;
  const audioFolders = renditionNames(
    'audio',
    audio.map((a) => a.language),
    variants,
  );
  const group = audio.length > 0 ? ',agroup:audio' : '';
  const streamMap = [
    ...variants.map((name, i) => `v:${i}${group},name:${name}`),
    ...audio.map(
      (a, i) => `a:${i},agroup:audio,name:${audioFolders[i]}${a.language ? `,language:${a.language}` : ''}${i === 0 ? ',default:yes' : ''}`,
    ),
  ].join(' ');
  const args = [
    ...['-f', 'hls', '-hls_time', String(options.segmentSeconds), '-hls_playlist_type', 'vod', '-hls_list_size', '0'],
    ...['-hls_flags', 'independent_segments+temp_file', '-hls_segment_type', 'mpegts', '-hls_segment_filename', '%v/seg_%05d.ts'],
    ...['-master_pl_name', 'master.m3u8', '-var_stream_map', streamMap, '%v/index.m3u8'],
  ];
  const text = probe.subtitles.filter((s) => s.kind === 'text');
  const subtitleNames = renditionNames(
    'subtitles',
    text.map((s) => s.language),
    [...variants, ...audioFolders],
  );
  const subtitles = text.map((s, i) => ({
    file: `${subtitleNames[i]}.vtt`,
    playlist: `${subtitleNames[i]}.m3u8`,
    name: s.title ?? s.language ?? `Subtitles ${i + 1}`,
    language: s.language,
    default: s.default,
    forced: s.forced,
  }));
  // each subtitle track as one WebVTT file, from the same run
  text.forEach((s, i) => args.push('-map', `0:${s.index}`, '-c:s', 'webvtt', '-f', 'webvtt', subtitles[i]!.file));
  const folders = [...variants, ...audioFolders];
  return {
    args,
    folders,
    outputs: ['master.m3u8', ...folders, ...subtitles.flatMap((s) => [s.file, s.playlist])],
    renditions: {
      audio: audio.map((a, i) => ({
        folder: audioFolders[i]!,
        name: a.title ?? a.language ?? 'Main',
        language: a.language,
        default: i === 0,
      })),
      subtitles,
    },
    durationChecks: folders.map((folder) => ({ output: `${folder}/index.m3u8`, kind: 'hls-playlist' })),
  };
}
