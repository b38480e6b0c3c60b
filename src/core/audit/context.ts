import os from 'node:os';
import { hostName } from '../host.ts';
import type { Db } from '../store/open.ts';
import { appendAudit, type AuditEntry, type AuditOutcome } from './log.ts';
import { redactArgv } from './redact.ts';

export interface AuditRecord {
  target?: string | null;
  detail?: Record<string, unknown> | null;
  outcome?: AuditOutcome;
  exitCode?: number;
}

export function currentActor(): string {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env.USER ?? `uid${process.getuid?.() ?? '?'}`;
  }
  return `${user}@${hostName()}`;
}

/**
 * What one command invocation knows for its audit entry. The core calls
 * `record(db, …)` inside the transaction that makes the change; the command
 * layer records a failure (or a storage-only change) when the core did not.
 */
export class AuditContext {
  recorded?: AuditEntry;
  readonly command: string;
  readonly args: string[];
  readonly actor: string;
  /** Where the command ran: arguments are kept as typed, and a relative path means something only from here. */
  readonly cwd: string;
  readonly startedAt: number;
  readonly #now: () => Date;

  constructor(command: string, argv: readonly string[], options: { actor?: string; now?: () => Date; cwd?: string } = {}) {
    this.command = command;
    this.args = redactArgv(argv);
    this.actor = options.actor ?? currentActor();
    this.cwd = options.cwd ?? process.cwd();
    this.#now = options.now ?? (() => new Date());
    this.startedAt = this.#now().getTime();
  }

  /** The command's own entry: recorded once, in the transaction that makes the change. */
  async record(db: Db, record: AuditRecord = {}): Promise<AuditEntry> {
    this.recorded = await this.also(db, record);
    return this.recorded;
  }

  /** An entry about something the command came across on its way (a worker taking over a dead worker's job). */
  async also(db: Db, record: AuditRecord = {}): Promise<AuditEntry> {
    const now = this.#now();
    return appendAudit(db, {
      ts: now.toISOString(),
      actor: this.actor,
      command: this.command,
      args: this.args,
      target: record.target ?? null,
      outcome: record.outcome ?? 'success',
      exitCode: record.exitCode ?? 0,
      durationMs: Math.max(0, now.getTime() - this.startedAt),
      detail: { ...record.detail, cwd: this.cwd },
    });
  }
}
