import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertMatchesSchema, schemaFor } from './schemas.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The built CLI (bin/run.js) by default, as users run it; MPEGFLOW_CLI=dev runs src/ through bin/dev.js. */
export const cliEntry = path.join(repoRoot, 'bin', process.env.MPEGFLOW_CLI === 'dev' ? 'dev.js' : 'run.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  home: string;
  input?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/** Every byte a CLI run printed, so tests can scan all output for secrets. */
export const transcript: string[] = [];

export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, MPEGFLOW_HOME: options.home, NO_COLOR: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      transcript.push(stdout, stderr);
      try {
        if (args.includes('--json')) checkJsonOutput(args, stdout);
      } catch (error) {
        reject(error as Error);
      }
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Every `--json` document a test sees must match its published schema (schemas/, see the README). */
export function checkJsonOutput(args: string[], stdout: string): void {
  let document: unknown;
  try {
    document = JSON.parse(stdout);
  } catch {
    return; // not one document: the tests that care say so with parseJson
  }
  const schema = schemaFor(args, document);
  if (schema) assertMatchesSchema(schema, document);
}

export function parseJson<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** A fresh MPEGFLOW_HOME for one test file, removed afterwards. */
export function tempHome(prefix = 'mpegflow-test-'): { home: string; cleanup: () => void } {
  const home = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export interface BackgroundCli {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  log: () => string;
  exited: Promise<number | null>;
}

/** Starts the CLI in the background (a worker to kill, stop or pause), as users run it. */
export function spawnCli(args: string[], options: { home: string; env?: Record<string, string | undefined> }): BackgroundCli {
  return background(process.execPath, [cliEntry, ...args], options, 'ignore');
}

/** Whether util-linux script(1), which gives a command a terminal of its own, is installed. */
export const terminalAvailable = (): boolean => spawnSync('script', ['--version']).status === 0;

const shellQuoted = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * Starts the CLI on a terminal of its own (util-linux `script` holds the
 * pseudo-terminal), as an operator at a shell runs it; `interrupt` types
 * Ctrl-C there, so the terminal sends the CLI SIGINT.
 */
export function spawnCliOnTerminal(
  args: string[],
  options: { home: string; env?: Record<string, string | undefined>; columns?: number },
): BackgroundCli & { interrupt: () => void } {
  // exec: under dash (script's shell when SHELL is unset, as in CI) `sh -c` stays the
  // parent and dies of the Ctrl-C itself, so script(1) would report 130 whatever the CLI did
  const size = options.columns ? `stty cols ${options.columns} rows 40; ` : '';
  const command = `${size}${['exec', ...[process.execPath, cliEntry, ...args].map(shellQuoted)].join(' ')}`;
  const cli = background('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], options, 'pipe');
  return { ...cli, interrupt: () => cli.child.stdin!.write('\x03') };
}

function background(
  program: string,
  args: string[],
  options: { home: string; env?: Record<string, string | undefined> },
  stdin: 'ignore' | 'pipe',
): BackgroundCli {
  const child = spawn(program, args, {
    cwd: repoRoot,
    env: { ...process.env, MPEGFLOW_HOME: options.home, NO_COLOR: '1', ...options.env },
    stdio: [stdin, 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, log: () => log, exited };
}
