import { readFile } from 'node:fs/promises';
import { MpegflowError } from '../../errors.ts';
import { classifyFfmpegFailure } from '../ffmpeg/ffmpeg-failures.ts';
import { lastLines, runTool, type Tools } from '../ffmpeg/tools.ts';
import { outputPath } from '../outputs/locations.ts';
import { cancelledError, type ProbeInput } from '../source/probe.ts';
import { frameLines } from './framemd5.ts';

/**
 * The proof that a preservation master is lossless: the source, decoded,
 * gives the same pictures and samples as the master, frame by frame for
 * video and in 4096-sample frames for every audio stream. The master's side
 * is its fixity sidecar (made by the fixity pass with the same arguments);
 * timestamps differ between containers and are not compared.
 */

export interface LosslessProof {
  method: 'framemd5-decoded';
  frames: number;
  streams: number;
}

/** Each stream's sizes and hashes in order, without timestamps: containers interleave and time-stamp streams differently. */
function byStream(lines: string[]): Map<string, string[]> {
  const streams = new Map<string, string[]>();
  for (const line of lines) {
    const fields = line.split(',').map((f) => f.trim());
    const list = streams.get(fields[0]!) ?? [];
    list.push(`${fields[4]},${fields[5]}`);
    streams.set(fields[0]!, list);
  }
  return streams;
}

/** The first stream whose frames differ, and where: null when every stream agrees. */
function firstDifference(
  source: Map<string, string[]>,
  master: Map<string, string[]>,
): { stream: string; frame: number; counts: [number, number] } | null {
  for (const stream of new Set([...source.keys(), ...master.keys()])) {
    const a = source.get(stream) ?? [];
    const b = master.get(stream) ?? [];
    const frame = a.findIndex((entry, i) => entry !== b[i]);
    if (frame >= 0 || a.length !== b.length)
      return { stream, frame: frame >= 0 ? frame : Math.min(a.length, b.length), counts: [a.length, b.length] };
  }
  return null;
}

export async function proveLossless(options: {
  input: ProbeInput;
  lossless: { inputArgs: string[]; hashArgs: string[]; sidecar: string };
  tools: Tools;
  workDir: string;
  signal: AbortSignal;
}): Promise<LosslessProof> {
  const { input, lossless } = options;
  const sourceLines: string[] = [];
  const run = await runTool({
    file: options.tools.ffmpeg,
    args: [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      ...(input.inputArgs ?? []),
      ...lossless.inputArgs,
      '-i',
      input.url,
      ...lossless.hashArgs,
      '-f',
      'framemd5',
      'pipe:1',
    ],
    onStdoutLine: (line) => sourceLines.push(line),
    signal: options.signal,
    secrets: [input.url],
  });
  if (run.aborted) throw cancelledError();
  if (run.exitCode !== 0)
    throw classifyFfmpegFailure(
      run.stderrTail,
      'ffmpeg -f framemd5 (the source)',
      'the lossless proof',
      /^https?:/.test(input.url),
      options.workDir,
    );
  const source = byStream(frameLines(sourceLines.join('\n')).frames);
  const master = byStream(frameLines(await readFile(outputPath(options.workDir, lossless.sidecar), 'utf8')).frames);
  const difference = firstDifference(source, master);
  if (difference) {
    const { stream, frame, counts } = difference;
    throw new MpegflowError(
      `the master does not decode to the source: stream ${stream} differs from its frame ${frame + 1} (${counts[0]} frames in the source, ${counts[1]} in the master)`,
      {
        code: 'ARCHIVE_NOT_LOSSLESS',
        suggestion:
          'nothing was published; the source may use a pixel or sample format FFV1/FLAC cannot hold: run `mpegflow probe SOURCE` and report it',
        details: { ffmpeg: lastLines(run.stderrTail, 4) },
      },
    );
  }
  const frames = [...source.values()].reduce((sum, list) => sum + list.length, 0);
  return { method: 'framemd5-decoded', frames, streams: source.size };
}
