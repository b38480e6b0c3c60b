import { MpegflowError } from '../../errors.ts';
import { analysisInputArgs, lastLines, runTool, type Tools } from '../ffmpeg/tools.ts';
import { cancelledError } from './probe.ts';

/**
 * Loudness as ITU-R BS.1770 / EBU R128 measure it (ffmpeg's ebur128 with
 * true peak): integrated loudness, its gating threshold, loudness range and
 * true peak. It reads the whole audio, so it runs only when asked (probe
 * --loudness) or when a preset normalises loudness (the first of two passes).
 */

export interface Loudness {
  integratedLufs: number;
  thresholdLufs: number;
  rangeLu: number;
  truePeakDbtp: number;
}

/** Below this, ebur128's gate found nothing to measure: digital silence, or near it. */
export const SILENCE_LUFS = -69;

/** ebur128's summaries, in the order of its instances in the graph ("[Parsed_ebur128_N @ ...] Summary:", N counting every filter). */
export function parseEbur128Summaries(stderr: string): Loudness[] {
  const summaries = new Map<number, Loudness>();
  const blocks = stderr.split(/\[Parsed_ebur128_(\d+) @ [^\]]*\] Summary:/);
  for (let i = 1; i + 1 < blocks.length; i += 2) {
    const body = blocks[i + 1]!;
    const value = (pattern: RegExp) => {
      const match = pattern.exec(body);
      if (!match) return NaN;
      return match[1] === '-inf' ? -Infinity : Number(match[1]);
    };
    summaries.set(Number(blocks[i]), {
      integratedLufs: value(/I:\s+(-?[\d.]+|-inf) LUFS/),
      thresholdLufs: value(/Integrated loudness:[\s\S]*?Threshold:\s+(-?[\d.]+|-inf) LUFS/),
      rangeLu: value(/LRA:\s+(-?[\d.]+) LU/),
      truePeakDbtp: value(/Peak:\s+(-?[\d.]+|-inf) dBFS/),
    });
  }
  return [...summaries.entries()].sort(([a], [b]) => a - b).map(([, loudness]) => loudness);
}

/** One audio to measure: a filter-graph input label chain ending where ebur128 is appended (e.g. "[0:1]" or "[0:1][0:2]amerge=inputs=2"). */
export interface LoudnessInput {
  chain: string;
}

export async function measureLoudness(options: {
  url: string;
  inputArgs: string[];
  inputs: LoudnessInput[];
  tools: Tools;
  signal?: AbortSignal;
  secrets: string[];
  display: string;
}): Promise<Loudness[]> {
  if (options.inputs.length === 0) return [];
  const graph = options.inputs.map((input, i) => `${input.chain}${/\]$/.test(input.chain) ? '' : ','}ebur128=peak=true[m${i}]`).join(';');
  const run = await runTool({
    file: options.tools.ffmpeg,
    args: [
      ...analysisInputArgs(options),
      '-filter_complex',
      graph,
      ...options.inputs.flatMap((_, i) => ['-map', `[m${i}]`]),
      '-f',
      'null',
      '-',
    ],
    signal: options.signal,
    secrets: options.secrets,
    stderrTailBytes: 4096 + 1024 * options.inputs.length,
  });
  if (run.aborted) throw cancelledError();
  const summaries = parseEbur128Summaries(run.stderrTail);
  if (run.exitCode !== 0 || summaries.length < options.inputs.length) {
    throw new MpegflowError(`cannot measure the loudness of ${options.display}: ${lastLines(run.stderrTail, 3) || 'ffmpeg said nothing'}`, {
      code: 'LOUDNESS_UNMEASURED',
      suggestion: 'check the audio plays (`ffplay FILE`); a preset without a loudness target skips the measurement',
      details: { ffmpeg: lastLines(run.stderrTail, 8) },
    });
  }
  return summaries.slice(0, options.inputs.length);
}
