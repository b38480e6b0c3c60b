import { renameSync, writeFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { userError } from './errors.ts';

/**
 * node_exporter's textfile-collector format, which health, replicate watch and license verify write with
 * --textfile for a host's node_exporter to serve (--collector.textfile.directory).
 */

function labels(values: Record<string, string | number>): string {
  const pairs = Object.entries(values);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

export type Row = [labels: Record<string, string | number>, value: number];

export function gauge(name: string, help: string, rows: Row[]): string {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...rows.map(([l, v]) => `${name}${labels(l)} ${v}`)].join('\n');
}

/** Written beside the target and renamed over it, so the collector never reads half a file. */
export function writeTextfileAtomically(file: string, content: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, content, { mode: 0o644 });
    renameSync(tmp, file);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    throw userError(
      `cannot write the Prometheus textfile ${file}: ${(error as Error).message}`,
      `point --textfile at a writable file, usually in node_exporter's --collector.textfile.directory`,
    );
  }
}
