import type { AuditEntry } from './log.ts';

export type ExportFormat = 'jsonl' | 'csv';

/** What `audit export` did: where the entries went, or (--json without --output) the entries themselves. */
export interface AuditExportResult {
  format: ExportFormat;
  count: number;
  output: string | null;
  /** Only in --json mode without --output: the entries themselves. */
  entries?: AuditEntry[];
}

const CSV_COLUMNS = [
  'id',
  'ts',
  'actor',
  'command',
  'args',
  'target',
  'outcome',
  'exit_code',
  'duration_ms',
  'detail',
  'prev_hash',
  'hash',
] as const;

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\n`;
}

/** One entry as a line of the export: hashes included, so an export can be checked against the chain later. */
export function formatEntry(entry: AuditEntry, format: ExportFormat): string {
  if (format === 'jsonl') return `${JSON.stringify(entry)}\n`;
  const cells = [
    entry.id,
    entry.ts,
    entry.actor,
    entry.command,
    entry.args,
    entry.target,
    entry.outcome,
    entry.exitCode,
    entry.durationMs,
    entry.detail,
    entry.prevHash,
    entry.hash,
  ];
  return `${cells.map(csvCell).join(',')}\n`;
}
