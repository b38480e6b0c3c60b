import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import type { AuditEntry } from '../../core/audit/log.ts';
import { parseSince } from '../../core/audit/since.ts';
import { usageError } from '../../core/errors.ts';
import { renderAuditList } from '../../ui/audit.ts';

export interface AuditListResult {
  entries: AuditEntry[];
  /** When the page is full: pass it as --before to see the next, older page. */
  nextBefore: number | null;
}

export default class AuditList extends BaseCommand<AuditListResult> {
  static override summary = 'List audit entries, newest first.';
  static override examples = [
    '<%= config.bin %> audit list --limit 20',
    '<%= config.bin %> audit list --since 24h --command endpoint',
    '<%= config.bin %> audit list --since 2026-11-01 --json',
    '<%= config.bin %> audit list --limit 1000 --before 52001',
  ];
  static override flags = {
    since: Flags.string({ description: 'only entries at or after this time: ISO date/time, or a duration ago (30m, 24h, 7d)' }),
    command: Flags.string({
      description: 'only this command, or every command under a topic (e.g. "endpoint")',
      parse: async (value) => commandFilter(value),
    }),
    limit: Flags.integer({ description: 'at most this many entries', min: 1, max: 10_000, default: 50 }),
    before: Flags.integer({ description: 'only entries older than this id (the next page; see the last line of a full page)', min: 1 }),
  };

  protected async execute(): Promise<AuditListResult> {
    const { flags } = await this.parse(AuditList);
    const since = flags.since ? parseSince(flags.since, new Date()) : undefined;
    const { listAudit } = await import('../../core/audit/log.ts');
    const entries = await listAudit(await this.store(), { since, command: flags.command, before: flags.before, limit: flags.limit });
    const last = entries.at(-1);
    return { entries, nextBefore: entries.length === flags.limit && last && last.id > 1 ? last.id : null };
  }

  protected override renderHuman({ entries, nextBefore }: AuditListResult): void {
    this.log(renderAuditList(entries, nextBefore));
  }
}

/** Command names are words of letters, digits and hyphens (`endpoint add`, or `endpoint:add`); at most a few. */
const COMMAND_NAME = /^[a-z][a-z0-9-]*( [a-z][a-z0-9-]*){0,4}$/;
const COMMAND_NAME_MAX = 100;

/** The --command filter, checked: it becomes a LIKE pattern, where % and _ would be wildcards and a huge value an error. */
export function commandFilter(value: string): string {
  const command = value.trim().replaceAll(':', ' ').replace(/\s+/g, ' ').toLowerCase();
  if (command.length > COMMAND_NAME_MAX || !COMMAND_NAME.test(command)) {
    throw usageError(
      `--command takes a command or topic name such as "endpoint" or "endpoint add", not ${
        value.length > 40 ? `a ${value.length}-character value` : JSON.stringify(value)
      }`,
      'see the command names with `mpegflow --help`',
    );
  }
  return command;
}
