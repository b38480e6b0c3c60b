import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import type { AuditContext } from '../core/audit/context.ts';
import { redactLike, redactText, redactUnknownFlags } from '../core/audit/redact.ts';
import { isMpegflowError, MpegflowError } from '../core/errors.ts';
import { STATUS_EXIT_CODE } from '../core/health/quorum.ts';
import { isStorageError, storageFailure } from '../core/s3/errors.ts';
import type { Db } from '../core/store/open.ts';
import { handleSignals } from './cancellation.ts';
import { errorDocument, renderErrorText, type WarningsField } from './render-error.ts';

/**
 * Every mpegflow command extends this. A command implements `execute()`,
 * which returns its result object (the `--json` document), and optionally
 * `renderHuman()` for people; this class owns the JSON output, the error
 * output, exit codes, the state store and the audit entry.
 */
export abstract class BaseCommand<T extends object> extends Command {
  static override enableJsonFlag = true;
  static override baseFlags = {
    verbose: Flags.boolean({ description: 'Show error causes and stack traces.', helpGroup: 'GLOBAL' }),
  };

  /** The command changes state or storage: every run leaves one audit entry. */
  static audited = false;
  /**
   * The command reports health (monitoring plugin convention): any error exits 3, UNKNOWN, and its first line on
   * stdout is the status line `<monitoring> UNKNOWN: <why>`, as a Nagios check reads it. The value is the status
   * line's first word (HEALTH, LICENSE, REPLICATION); empty for other commands.
   */
  static monitoring = '';

  #db?: Db;
  #audit?: AuditContext;
  /** What note() warned of, for the --json document too. */
  #warnings: string[] = [];

  protected abstract execute(): Promise<T>;

  /** Human output for a terminal or a log; JSON mode skips it. */
  protected renderHuman(_result: T): void {}

  /** Exit code for a result that completed (monitoring commands map their status here). */
  protected exitCodeFor(_result: T): number {
    return 0;
  }

  override async init(): Promise<void> {
    handleSignals();
    await super.init();
  }

  /**
   * The first argument as parsed, for a failed run's audit entry: a local path made absolute (from the
   * working folder the entry records), anything else (ALIAS/BUCKET/KEY, a name) as typed.
   */
  #target?: string;

  protected override async parse<F extends Record<string, unknown>, B extends Record<string, unknown>, A extends Record<string, unknown>>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv);
    const first = Object.values(parsed.args as Record<string, unknown>).find((value): value is string => typeof value === 'string');
    if (first !== undefined) this.#target = /^\.{0,2}\//.test(first) || existsSync(first) ? path.resolve(first) : first;
    return parsed;
  }

  override async run(): Promise<T> {
    // the clock of the audit entry starts now, not when the command ends
    if (this.commandClass.audited) await this.auditContext();
    const result = await this.execute();
    const exitCode = this.exitCodeFor(result);
    if (this.auditsHere() && !this.#audit?.recorded) {
      await (await this.auditContext()).record(await this.store(), { exitCode, outcome: exitCode === 0 ? 'success' : 'failure' });
    }
    if (!this.jsonEnabled()) this.renderHuman(result);
    process.exitCode = exitCode;
    return result;
  }

  /** Whether this run leaves its audit entry in this host's state (a brokered worker has none: its broker audits). */
  protected auditsHere(): boolean {
    return this.commandClass.audited;
  }

  private get commandClass(): typeof BaseCommand {
    return this.constructor as typeof BaseCommand;
  }

  /** The state database, opened (and migrated) on first use. */
  protected async store(options: { migrate?: 'auto' | 'always' | 'never' } = {}): Promise<Db> {
    if (!this.#db) {
      const { openStore } = await import('../core/store/open.ts');
      this.#db = await openStore(options);
    }
    return this.#db;
  }

  /** The audit context for this run; pass it to the core, which records inside its transaction. */
  protected async auditContext(): Promise<AuditContext> {
    if (!this.#audit) {
      const { AuditContext } = await import('../core/audit/context.ts');
      this.#audit = new AuditContext((this.id ?? 'mpegflow').replaceAll(':', ' '), this.safeArgv);
    }
    return this.#audit;
  }

  /** argv with the values of flags this command does not know redacted: a misspelt flag may carry a secret. */
  protected get safeArgv(): string[] {
    return redactUnknownFlags(this.argv, knownFlags(this.commandClass));
  }

  /** A warning for the operator on stderr (stdout stays one clean document), and in the --json document's `warnings`. */
  protected note(message: string): void {
    this.#warnings.push(message);
    process.stderr.write(`Warning: ${message}\n`);
  }

  protected override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }

  protected override toSuccessJson(result: unknown): unknown {
    if (this.#warnings.length === 0) return result;
    const own = (result as WarningsField).warnings ?? [];
    return { ...(result as object), warnings: [...own, ...this.#warnings] };
  }

  protected override async catch(error: Error & { oclif?: { exit?: number } }): Promise<void> {
    // this.exit(n): an exit asked for, not a failure
    if (error instanceof Errors.ExitError) {
      process.exitCode = error.oclif.exit;
      return;
    }
    const err = toMpegflowError(error, (text) => redactLike(text, this.argv, this.safeArgv));
    const monitoring = this.commandClass.monitoring;
    const exitCode = monitoring ? STATUS_EXIT_CODE.UNKNOWN : err.exitCode;
    await this.recordFailure(exitCode, err);
    if (this.jsonEnabled()) this.logJson(errorDocument(err));
    else {
      if (monitoring) process.stdout.write(`${monitoring} UNKNOWN: ${err.message.split('\n')[0]}\n`);
      process.stderr.write(renderErrorText(err, { verbose: this.verbose() }));
    }
    process.exitCode = exitCode;
  }

  protected override async finally(error: Error | undefined): Promise<void> {
    await this.#db?.close();
    this.#db = undefined;
    await super.finally(error);
  }

  private verbose(): boolean {
    return this.argv.includes('--verbose') || /(^|,)mpegflow/.test(process.env.DEBUG ?? '');
  }

  private async recordFailure(exitCode: number, err: MpegflowError): Promise<void> {
    if (!this.auditsHere() || this.#audit?.recorded) return;
    try {
      await (
        await this.auditContext()
      ).record(await this.store(), {
        outcome: 'failure',
        exitCode,
        target: this.#target ?? null,
        // the audit log cannot be edited afterwards: no URL password or presigned signature goes in
        detail: { error: err.code, message: redactText(err.message) },
      });
    } catch {
      // the state file itself may be what failed; the error below still reaches the operator
    }
  }
}

/** Every spelling the parser accepts for the command's flags (and oclif's own --help and --version). */
function knownFlags(command: typeof Command): Set<string> {
  const known = new Set(['--help', '--version', '-h']);
  const flags = { ...command.baseFlags, ...command.flags } as Record<
    string,
    { char?: string; aliases?: string[]; charAliases?: string[]; allowNo?: boolean }
  >;
  if (command.enableJsonFlag) known.add('--json');
  for (const [name, flag] of Object.entries(flags)) {
    for (const long of [name, ...(flag.aliases ?? [])]) {
      known.add(`--${long}`);
      if (flag.allowNo) known.add(`--no-${long}`);
    }
    for (const short of [flag.char, ...(flag.charAliases ?? [])]) if (short) known.add(`-${short}`);
  }
  return known;
}

function toMpegflowError(error: Error & { oclif?: { exit?: number } }, redact: (text: string) => string): MpegflowError {
  // a flag's parse function failed: oclif wraps its message ("Parsing --x \n\t... See more help")
  const flagParse = /^Parsing (--\S+) \n\t([\s\S]*)\nSee more help with --help$/.exec(error.message);
  if (isMpegflowError(error)) {
    if (flagParse) error.message = flagParse[2]!;
    return error;
  }
  if (flagParse) {
    return new MpegflowError(redact(`${flagParse[1]}: ${flagParse[2]}`), {
      code: 'USAGE',
      suggestion: 'see the command help with --help',
    });
  }
  if (error instanceof Errors.CLIError && (error.oclif?.exit === 2 || error.name.includes('Parse') || 'parse' in error)) {
    // oclif ends its own messages with a hint the suggestion below gives: one hint, not two
    const message = redact(error.message.replace(/^Error: /, '').replace(/\n*See more help with --help\s*$/, ''));
    return new MpegflowError(message, {
      code: 'USAGE',
      suggestion: 'see the command help with --help',
      // the parser's own message (and stack) may hold a misspelt flag's value: keep it only when nothing was redacted
      ...(message === error.message.replace(/^Error: /, '') ? { cause: error } : {}),
    });
  }
  // a storage or network failure that reached here unmapped is still not a bug of ours
  if (isStorageError(error)) return storageFailure(error, { alias: '' });
  return new MpegflowError(`unexpected internal error: ${error.message}`, {
    code: 'INTERNAL',
    suggestion: 'run again with --verbose and report the output to the MpegFlow maintainers',
    cause: error,
  });
}
