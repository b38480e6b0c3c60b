import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { checkJsonOutput, cliEntry, repoRoot, runCli, transcript, type CliOptions, type CliResult } from './cli.ts';

/**
 * Runs a command in this process, as oclif's `execute()` in bin/run.js runs it, but from src/ (Node strips the
 * types), so a test of a command's JSON, text and exit code does not pay a node start and oclif load per run.
 * It returns what runCli returns, and checks every --json document against its schema as runCli does.
 *
 * For the run's duration the environment (MPEGFLOW_HOME, NO_COLOR=1, options.env; undefined unsets),
 * process.argv, the working folder and standard input (options.input, a pipe's worth, never a terminal) are the
 * command's, and only the command's own writes to stdout and stderr are captured (by async context, so the test
 * runner's reports pass through); process.exit() and process.exitCode end as the exit code, and everything is
 * restored afterwards. Runs are serialised: the environment and the streams are the process's.
 *
 * MPEGFLOW_TEST_IN_PROCESS=0 spawns the built CLI instead, to compare the two (and their times).
 *
 * What it cannot show (spawn for these): signals, a terminal, a real pipe closing, the process exiting with work
 * left on the event loop, start-up, and anything read from the environment when a module was first loaded.
 */
export function runInProcess(args: string[], options: CliOptions): Promise<CliResult> {
  if (process.env.MPEGFLOW_TEST_IN_PROCESS === '0') return runCli(args, options);
  const result = queue.then(() => runOne(args, options));
  queue = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}

let queue: Promise<void> = Promise.resolve();

/** Where the commands a run names are imported from, into the registry of cli-commands.ts. */
const commandFiles = path.join(repoRoot, 'src', 'commands');

let loaded: Promise<{ pjson: object; oclif: typeof import('@oclif/core'); registry: Record<string, unknown> }> | undefined;

/** The package's oclif settings, its commands' registry pointing at src/ instead of dist/ (read once). */
function load() {
  loaded ??= (async () => {
    const entry = './test/support/cli-commands.ts';
    const pjson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      oclif: Record<string, unknown>;
    };
    pjson.oclif.commands = { strategy: 'explicit', target: entry, identifier: 'COMMANDS' };
    pjson.oclif.helpClass = { target: entry, identifier: 'HELP' };
    pjson.oclif.hooks = { command_not_found: { target: entry, identifier: 'COMMAND_NOT_FOUND' } };
    const oclif = await import('@oclif/core');
    // the paths above are the modules to load: no ts-node or tsx, no rewriting dist/ to src/
    oclif.settings.enableAutoTranspile = false;
    const registry = ((await import('./cli-commands.ts')) as { COMMANDS: Record<string, unknown> }).COMMANDS;
    return { pjson, oclif, registry };
  })();
  return loaded;
}

/** Imports the command(s) argv may name (`endpoint add x` may be `endpoint` or `endpoint:add`), as dist loads a command's chunk. */
async function importCommands(args: string[], registry: Record<string, unknown>): Promise<void> {
  const words: string[] = [];
  for (const arg of args) {
    if (arg.startsWith('-') || !/^[a-z][a-z-]*$/.test(arg) || words.length === 4) break;
    words.push(arg);
  }
  // `help replicate status` loads the command it describes, as `replicate status --help` does
  const named = words[0] === 'help' ? words.slice(1) : words;
  for (let n = 1; n <= named.length; n++) {
    const id = named.slice(0, n).join(':');
    if (id in registry) continue;
    const file = [path.join(commandFiles, ...named.slice(0, n)) + '.ts', path.join(commandFiles, ...named.slice(0, n), 'index.ts')].find(
      (f) => existsSync(f),
    );
    if (file) registry[id] = ((await import(file)) as { default: unknown }).default;
  }
  // help for a topic or a command reads the manifest; `help` itself is a command
  if (!('help' in registry)) registry.help = ((await import(path.join(commandFiles, 'help.ts'))) as { default: unknown }).default;
}

/** Thrown in place of process.exit() inside a run. */
class Exit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`process.exit(${code})`);
    this.code = code;
  }
}

const capture = new AsyncLocalStorage<{ stdout: string; stderr: string }>();

async function runOne(args: string[], options: CliOptions): Promise<CliResult> {
  const { pjson, oclif, registry } = await load();
  await importCommands(args, registry);
  // a Config of its own for every run, as every process loads one: oclif's help rewrites the ids of the
  // commands it lists in place, which a Config reloaded from the last one's plugins would keep
  const config = await oclif.Config.load({ root: repoRoot, pjson: structuredClone(pjson) as never });

  const restore: (() => void)[] = [];
  const env: Record<string, string | undefined> = { MPEGFLOW_HOME: options.home, NO_COLOR: '1', ...options.env };
  for (const [name, value] of Object.entries(env)) {
    const before = process.env[name];
    restore.push(() => (before === undefined ? delete process.env[name] : (process.env[name] = before)));
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  const argv = process.argv;
  process.argv = [process.execPath, cliEntry, ...args];
  restore.push(() => (process.argv = argv));
  const cwd = process.cwd();
  process.chdir(options.cwd ?? repoRoot);
  restore.push(() => process.chdir(cwd));

  // a child's stdin is a pipe the test ends after `input`; its stdout and stderr are pipes, not terminals
  const stdin = Readable.from(options.input ? [Buffer.from(options.input)] : []);
  Object.defineProperty(process, 'stdin', { value: stdin, configurable: true, enumerable: true, writable: false });
  restore.push(() => delete (process as { stdin?: unknown }).stdin);
  for (const stream of [process.stdout, process.stderr]) {
    for (const name of ['isTTY', 'columns'] as const) {
      const own = Object.getOwnPropertyDescriptor(stream, name);
      Object.defineProperty(stream, name, { value: undefined, configurable: true, writable: true });
      restore.push(() => (own ? Object.defineProperty(stream, name, own) : delete (stream as unknown as Record<string, unknown>)[name]));
    }
  }

  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const name of ['stdout', 'stderr'] as const) {
    const original = writes[name];
    process[name].write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      const into = capture.getStore();
      if (!into) return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
      into[name] += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
      const done = rest.find((r): r is () => void => typeof r === 'function');
      if (done) queueMicrotask(done);
      return true;
    } as typeof original;
    restore.push(() => (process[name].write = original));
  }
  const exit = process.exit;
  process.exit = ((code?: number | string | null) => {
    throw new Exit(Number(code ?? process.exitCode ?? 0));
  }) as typeof process.exit;
  restore.push(() => (process.exit = exit));
  const exitCode = process.exitCode;
  process.exitCode = undefined;
  restore.push(() => (process.exitCode = exitCode));
  // listeners a run adds to the process (the signal handlers of cancellation.ts) or to its streams (the 'drain'
  // that oclif's flush() waits for) are a process's once, and would pile up over runs
  for (const [emitter, event] of [
    [process, 'SIGINT'],
    [process, 'SIGTERM'],
    [process.stdout, 'drain'],
    [process.stderr, 'drain'],
  ] as [EventEmitter, string][]) {
    const before = emitter.listeners(event);
    restore.push(() => {
      for (const listener of emitter.listeners(event))
        if (!before.includes(listener)) emitter.removeListener(event, listener as () => void);
    });
  }

  const output = { stdout: '', stderr: '' };
  let code: number;
  try {
    code = await capture.run(output, async () => {
      try {
        // what @oclif/core's execute() does, the process's exit apart
        try {
          await oclif.run(args, config);
          await oclif.flush();
        } catch (error) {
          await oclif.handle(error instanceof Error ? error : new Error(String(error)));
        }
      } catch (error) {
        if (!(error instanceof Exit)) throw error;
        return error.code;
      }
      return Number(process.exitCode ?? 0);
    });
  } finally {
    for (const undo of restore.reverse()) undo();
  }
  transcript.push(output.stdout, output.stderr);
  if (args.includes('--json')) checkJsonOutput(args, output.stdout);
  return { code, ...output };
}
