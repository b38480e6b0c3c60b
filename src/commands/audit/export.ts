import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { userError } from '../../core/errors.ts';
import type { AuditExportResult, ExportFormat } from '../../core/audit/export.ts';
import { renderAuditExport } from '../../ui/audit.ts';

export default class AuditExport extends BaseCommand<AuditExportResult> {
  static override summary = 'Export the whole audit log as JSON Lines or CSV, oldest first.';
  static override examples = [
    '<%= config.bin %> audit export --format jsonl > audit.jsonl',
    '<%= config.bin %> audit export --format csv --output /srv/reports/audit.csv',
  ];
  static override flags = {
    format: Flags.string({ description: 'output format', options: ['jsonl', 'csv'], default: 'jsonl' }),
    output: Flags.string({ char: 'o', description: 'write to this file instead of standard output' }),
  };

  protected async execute(): Promise<AuditExportResult> {
    const { flags } = await this.parse(AuditExport);
    const format = flags.format as ExportFormat;
    const { iterateAudit } = await import('../../core/audit/log.ts');
    const db = await this.store();
    if (this.jsonEnabled() && !flags.output) {
      const entries = [];
      for await (const entry of iterateAudit(db)) entries.push(entry);
      return { format, count: entries.length, output: null, entries };
    }
    const { csvHeader, formatEntry } = await import('../../core/audit/export.ts');
    const sink = flags.output ? await openOutput(flags.output) : process.stdout;
    let count = 0;
    if (format === 'csv') await write(sink, csvHeader());
    for await (const entry of iterateAudit(db)) {
      await write(sink, formatEntry(entry, format));
      count++;
    }
    if (sink !== process.stdout) {
      (sink as WriteStream).end();
      await once(sink, 'finish');
    }
    return { format, count, output: flags.output ?? null };
  }

  protected override renderHuman(result: AuditExportResult): void {
    const summary = renderAuditExport(result);
    if (summary) this.log(summary);
  }
}

async function openOutput(file: string): Promise<WriteStream> {
  const stream = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  try {
    await once(stream, 'open');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw userError(
      `cannot write ${file}: ${code === 'EEXIST' ? 'it already exists' : (error as Error).message}`,
      code === 'EEXIST' ? 'choose a new file name; exports never overwrite' : 'choose a writable location',
    );
  }
  return stream;
}

async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}
