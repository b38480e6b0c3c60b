import type { AuditExportResult } from '../core/audit/export.ts';
import type { AuditEntry, AuditVerification } from '../core/audit/log.ts';
import { renderFields, renderTable } from './table.ts';
import { count } from '../core/notation.ts';

/** `audit list`: a page of entries, and how to ask for the next one when it is full. */
export function renderAuditList(entries: AuditEntry[], nextBefore: number | null, tty = Boolean(process.stdout.isTTY)): string {
  if (entries.length === 0) return 'No audit entries match.';
  const table = renderTable(
    ['ID', 'TIME', 'ACTOR', 'COMMAND', 'TARGET', 'OUTCOME', 'EXIT', 'MS'],
    entries.map((e) => [e.id, e.ts, e.actor, e.command, e.target, e.outcome, e.exitCode, e.durationMs]),
    tty,
    { shrink: ['TARGET', 'ACTOR'] },
  );
  return nextBefore === null ? table : `${table}\nOlder entries: mpegflow audit list --before ${nextBefore} (with the same filters)`;
}

/** `audit show`: one entry, with the hashes that chain it. */
export function renderAuditEntry(e: AuditEntry): string {
  return renderFields([
    ['ID', e.id],
    ['Time', e.ts],
    ['Actor', e.actor],
    ['Command', e.command],
    ['Arguments', e.args.join(' ')],
    ['Target', e.target],
    ['Outcome', e.outcome],
    ['Exit code', e.exitCode],
    ['Duration', `${e.durationMs} ms`],
    ['Detail', e.detail ? JSON.stringify(e.detail) : null],
    ['Hash', e.hash],
    ['Previous hash', e.prevHash],
  ]);
}

/** `audit verify`: intact, or where the chain breaks. */
export function renderAuditVerification(result: AuditVerification): string {
  if (result.ok) return `Audit chain intact: ${count(result.entries, 'entry', 'entries')} verified.`;
  return `Audit chain BROKEN at position ${result.brokenAt!.position}: ${result.brokenAt!.reason}.\n${count(result.entries, 'entry', 'entries')} before it verified.`;
}

/** `audit export --output FILE`; without a file the entries themselves were the output, and nothing more is said. */
export function renderAuditExport(result: AuditExportResult): string | null {
  return result.output ? `Exported ${result.count} audit entries to ${result.output} (${result.format}).` : null;
}
