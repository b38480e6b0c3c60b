import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MpegflowError } from '../../errors.ts';
import { outputPath } from '../outputs/locations.ts';
import { type OutputRecord } from '../outputs/manifest.ts';
import type { EncodePlan, FfmpegPass } from '../planning/encode-plan.ts';
import { spriteVtt } from '../planning/plan.ts';
import { cancelledError, rationalValue, type ProbeInput, type ProbeResult } from '../source/probe.ts';
import { createProgressParser, progressFigures, type EncodeProgressEvent } from './progress.ts';
import { runTool, type Tools } from './tools.ts';
import { displayCommand } from '../source/source-access.ts';
import { classifyFfmpegFailure } from './ffmpeg-failures.ts';
import { watchSegments, mediaFacts, parseMediaPlaylist } from './hls-output.ts';

/** One ffmpeg pass of a plan: run it with progress, hand its outputs over, check their durations. */
export interface RunState {
  attempt: number;
  records: Map<string, OutputRecord>;
  handedOver: Set<string>;
  /** Every put of this attempt, settled or not. */
  puts: Promise<void>[];
  /** The average video bitrate of each single-file output, bits per second, as ffprobe read it after the encode. */
  videoBitrates: Map<string, number>;
}

interface PassContext {
  pass: FfmpegPass;
  input: ProbeInput;
  plan: EncodePlan;
  probe: ProbeResult;
  tools: Tools;
  workDir: string;
  signal: AbortSignal;
  state: RunState;
  handOver: (name: string) => void;
  emit: (event: EncodeProgressEvent) => void;
  now: () => Date;
  remote: boolean;
}

export async function runPass(ctx: PassContext): Promise<void> {
  const { pass, input, plan, probe, tools, workDir, signal, emit, now } = ctx;
  const fromSource = pass.input.kind === 'source';
  const url = pass.input.kind === 'source' ? input.url : `file:${outputPath(workDir, pass.input.name)}`;
  const label = pass.input.kind === 'source' ? input.display : pass.input.name;
  const args = [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'level+warning',
    '-nostats',
    '-progress',
    'pipe:1',
    ...(fromSource ? (input.inputArgs ?? []) : []),
    ...(pass.inputArgs ?? []),
    '-i',
    url,
    ...pass.outputArgs,
  ];
  const command = displayCommand(tools.ffmpeg, args, url, label);
  emit({ type: 'stage', stage: pass.stage, state: 'start', at: now(), detail: pass.renditions.join(', ') });
  const parse = createProgressParser((progress) => {
    // ffmpeg stopped (a signal, a cancel) still ends its progress with `progress=end`: that is not 100 %
    if (progress.ended && signal.aborted) return;
    const { percent, etaSeconds } = progressFigures(progress, probe.durationSeconds);
    emit({
      type: 'encode',
      at: now(),
      stage: pass.stage,
      renditions: pass.renditions,
      attempt: ctx.state.attempt,
      percent,
      outTimeSeconds: progress.outTimeSeconds,
      fps: progress.fps,
      speed: progress.speed,
      etaSeconds,
    });
  });
  const watcher = plan.streamingSegments ? watchSegments(workDir, pass.folders ?? pass.renditions, ctx.handOver) : null;
  // A refused read (keys revoked, clocks apart) will not heal while ffmpeg keeps reconnecting: stop it at once.
  const remoteInput = fromSource && ctx.remote;
  const refusal = new AbortController();
  let refused = '';
  const onStderr = remoteInput
    ? (chunk: string) => {
        if (!refused && /HTTP error 40[13]|40[13] (Forbidden|Unauthorized)/i.test(chunk)) {
          refused = chunk;
          refusal.abort();
        }
      }
    : undefined;
  let run;
  try {
    run = await runTool({
      file: tools.ffmpeg,
      args,
      display: command,
      cwd: workDir,
      signal: AbortSignal.any([signal, refusal.signal]),
      onStdoutLine: parse,
      onStderr,
      secrets: [input.url],
    });
  } finally {
    watcher?.stop();
  }
  if (signal.aborted) throw cancelledError();
  if (refused) throw classifyFfmpegFailure(`${run.stderrTail}\nHTTP error 403 Forbidden`, command, pass.stage, true, workDir);
  if (run.aborted) throw cancelledError();
  if (run.exitCode !== 0) throw classifyFfmpegFailure(run.stderrTail, command, pass.stage, remoteInput, workDir);
  if (remoteInput && /403 Forbidden|Server returned 4\d\d|HTTP error 4\d\d/i.test(run.stderrTail)) {
    // ffmpeg may treat a refused reconnect as the end of the input and exit 0 with a short output
    throw classifyFfmpegFailure(run.stderrTail, command, pass.stage, true, workDir);
  }
  await watcher?.scan();
  await checkDurations(ctx, command);
  emit({ type: 'stage', stage: pass.stage, state: 'done', at: now() });
  // single files are handed over at the end (a later pass may read them); HLS segments already are
}

async function checkDurations(ctx: PassContext, command: string): Promise<void> {
  const { pass, plan, probe, tools, workDir, signal } = ctx;
  const frame = 1 / (rationalValue(probe.video.frameRate) || 25);
  const tolerance = Math.max(0.5, 3 * frame);
  for (const check of plan.durationChecks) {
    const top = check.output.split('/')[0]!;
    if (!pass.outputs.includes(top) && !pass.outputs.includes(check.output)) continue;
    let produced: number;
    if (check.kind === 'media') {
      const facts = await mediaFacts(tools, outputPath(workDir, check.output), signal);
      produced = facts.durationSeconds;
      if (facts.videoBitrate !== null) ctx.state.videoBitrates.set(check.output, facts.videoBitrate);
    } else {
      let text: string;
      try {
        text = await readFile(outputPath(workDir, check.output), 'utf8');
      } catch {
        text = '';
      }
      const playlist = parseMediaPlaylist(text);
      const missing = playlist.segments.map((s) => `${path.posix.dirname(check.output)}/${s}`).filter((s) => !ctx.state.handedOver.has(s));
      if (!playlist.ended || missing.length > 0) {
        throw new MpegflowError(
          `the HLS playlist ${check.output} is incomplete${missing.length ? ` (missing ${missing.slice(0, 3).join(', ')})` : ''}`,
          {
            code: 'OUTPUT_INCOMPLETE',
            suggestion: 'run again with --verbose; ffmpeg stopped before finishing the ladder',
            details: { command },
          },
        );
      }
      produced = playlist.durationSeconds;
    }
    if (produced < plan.expectedDurationSeconds - tolerance) {
      const remoteRead = pass.input.kind === 'source' && ctx.remote;
      const error = new MpegflowError(
        `${check.output} lasts ${produced.toFixed(2)} s but the source lasts ${plan.expectedDurationSeconds.toFixed(2)} s: refusing a truncated output`,
        {
          code: 'OUTPUT_TRUNCATED',
          retry: remoteRead ? 'now' : 'never',
          suggestion: 'check the source plays to the end and the storage stayed reachable, then run again',
          details: { command },
        },
      );
      throw error;
    }
  }
}

export async function writeSpriteIndex(
  plan: EncodePlan,
  probe: ProbeResult,
  tools: Tools,
  workDir: string,
  signal: AbortSignal,
): Promise<void> {
  const index = plan.spriteIndex!;
  const run = await runTool({
    file: tools.ffprobe,
    args: ['-v', 'error', '-show_entries', 'stream=height', '-of', 'csv=p=0', `file:${outputPath(workDir, index.sheet)}`],
    signal,
  });
  const sheetHeight = Number.parseInt(run.stdout.trim(), 10);
  if (!Number.isFinite(sheetHeight) || sheetHeight <= 0) {
    throw new MpegflowError(`ffmpeg wrote no readable sprite sheet ${index.sheet}`, { code: 'OUTPUT_INCOMPLETE' });
  }
  await writeFile(outputPath(workDir, index.index), spriteVtt(index, Math.round(sheetHeight / index.rows), probe.durationSeconds));
}
