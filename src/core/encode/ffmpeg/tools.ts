import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { redactText } from '../../audit/redact.ts';
import { MpegflowError } from '../../errors.ts';

/** The ffmpeg and ffprobe executables to run ($MPEGFLOW_FFMPEG / $MPEGFLOW_FFPROBE, else from PATH). */
export interface Tools {
  ffmpeg: string;
  ffprobe: string;
}

export function defaultTools(env: NodeJS.ProcessEnv = process.env): Tools {
  return { ffmpeg: env.MPEGFLOW_FFMPEG || 'ffmpeg', ffprobe: env.MPEGFLOW_FFPROBE || 'ffprobe' };
}

export interface ToolRun {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  /** The last lines of stderr, already redacted. */
  stderrTail: string;
  aborted: boolean;
}

export interface RunToolOptions {
  file: string;
  args: string[];
  /** The command as it may be shown to people (a source's relay URL replaced by its name); used in errors. */
  display?: string;
  cwd?: string;
  signal?: AbortSignal;
  /** Called for each stdout line (e.g. `-progress pipe:1`); otherwise stdout is collected. */
  onStdoutLine?: (line: string) => void;
  /** Sees stderr as it arrives (unredacted: never show it; use the redacted tail). */
  onStderr?: (chunk: string) => void;
  stderrTailBytes?: number;
  /** Strings to replace before anything from stderr is kept (a relay URL, whose token reads the source). */
  secrets?: string[];
}

const KILL_GRACE_MS = 2_000;

/**
 * util-linux's setpriv, to give each tool a parent-death signal: if this
 * process is killed (kill -9, OOM), ffmpeg dies with it instead of encoding
 * on for hours as an orphan. (ffmpeg would not notice on its own: it inherits
 * Node's ignored SIGPIPE, so writing progress to a dead pipe does not stop it.)
 */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((f) => existsSync(f));

/** Replaces each secret with a placeholder, then strips whatever signatures remain. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('<source-url>');
  return redactText(out);
}

export function toolNotFound(file: string): MpegflowError {
  const name = file.includes('ffprobe') ? 'ffprobe' : 'ffmpeg';
  return new MpegflowError(`${file} was not found: MpegFlow needs ffmpeg and ffprobe to encode`, {
    code: 'TOOL_NOT_FOUND',
    suggestion: `install ffmpeg (Debian/Ubuntu: \`sudo apt-get install -y ffmpeg\`), or set $MPEGFLOW_${name.toUpperCase()} to its path`,
  });
}

/** A tool ended by a signal nobody here sent: its partial output says nothing about the media. */
function toolKilled(file: string, signal: string, command?: string): MpegflowError {
  const name = file.includes('ffprobe') ? 'ffprobe' : 'ffmpeg';
  return new MpegflowError(`${name} was killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory?)' : ''}`, {
    code: 'TOOL_KILLED',
    retryable: true,
    suggestion:
      'if the kernel log names the OOM killer (`dmesg | grep -i oom`), give this host more memory or run fewer encodes at once; then run again',
    details: command ? { command } : undefined,
  });
}

/**
 * Runs an external tool in its own process group so that cancelling kills it
 * and any children it started (SIGTERM, then SIGKILL after a grace period).
 * Never throws for a non-zero exit: the caller decides what a failure means.
 * Throws TOOL_KILLED when a signal it did not send ended the tool.
 */
export async function runTool(options: RunToolOptions): Promise<ToolRun> {
  const tailLimit = options.stderrTailBytes ?? 16_384;
  let stderrTail = '';
  let stdout = '';
  let aborted = false;
  const [file, args] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', options.file, ...options.args]] : [options.file, options.args];
  const child = execa(file, args, {
    cwd: options.cwd,
    detached: true,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    encoding: 'utf8',
    env: { AV_LOG_FORCE_NOCOLOR: '1' },
  });
  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  let forceTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    aborted = true;
    killGroup('SIGTERM');
    forceTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    forceTimer.unref();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  child.stderr?.on('data', (chunk: string | Buffer) => {
    options.onStderr?.(chunk.toString());
    stderrTail += chunk.toString();
    if (stderrTail.length > tailLimit * 2) stderrTail = stderrTail.slice(-tailLimit);
  });
  const stdoutDone = new Promise<void>((resolve) => {
    if (!child.stdout) return resolve();
    if (options.onStdoutLine) {
      const rl = createInterface({ input: child.stdout });
      rl.on('line', (line) => options.onStdoutLine!(line));
      rl.on('close', resolve);
    } else {
      child.stdout.on('data', (chunk: string | Buffer) => (stdout += chunk.toString()));
      child.stdout.on('end', resolve);
      child.stdout.on('error', () => resolve());
    }
  });
  const result = await child;
  await stdoutDone;
  options.signal?.removeEventListener('abort', onAbort);
  if (forceTimer) clearTimeout(forceTimer);
  const spawnError = (result as { code?: string; cause?: { code?: string } }).cause;
  const notFound =
    (spawnError as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ||
    (result as { code?: string }).code === 'ENOENT' ||
    (SETPRIV !== undefined && result.exitCode === 127 && /setpriv: failed to execute/.test(stderrTail));
  if (notFound) throw toolNotFound(options.file);
  if (result.signal && !aborted) throw toolKilled(options.file, result.signal, options.display);
  const tail = stderrTail.slice(-tailLimit);
  return {
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    stdout,
    stderrTail: scrub(tail.slice(tail.indexOf('\n') > 0 && tail.length === tailLimit ? tail.indexOf('\n') + 1 : 0), options.secrets),
    aborted,
  };
}

/** The last `lines` lines of a text, for error messages. */
export function lastLines(text: string, lines = 12): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** A tool's version string from the first line of `-version`, cached per executable. */
const versionCache = new Map<string, Promise<string>>();
export function toolVersion(file: string): Promise<string> {
  let cached = versionCache.get(file);
  if (!cached) {
    cached = runTool({ file, args: ['-hide_banner', '-version'] }).then((run) => {
      const match = /version (\S+)/.exec(run.stdout);
      return match ? match[1]! : 'unknown';
    });
    cached.catch(() => versionCache.delete(file));
    versionCache.set(file, cached);
  }
  return cached;
}

export async function toolVersions(tools: Tools): Promise<{ ffmpeg: string; ffprobe: string }> {
  const [ffmpeg, ffprobe] = await Promise.all([toolVersion(tools.ffmpeg), toolVersion(tools.ffprobe)]);
  return { ffmpeg, ffprobe };
}

/** The head of an ffmpeg run that reads a source to analyse it (idet, ebur128): filters log their summaries at info level. */
export function analysisInputArgs(input: { url: string; inputArgs: string[] }, seekSeconds = 0): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'info',
    ...input.inputArgs,
    ...(seekSeconds > 0 ? ['-ss', seekSeconds.toFixed(3)] : []),
    '-i',
    input.url,
  ];
}
