import { createRequire } from 'node:module';
import type TableType from 'cli-table3';

// loaded on first use: commands import this module, and `--version` or `--json` should not pay for cli-table3
const loadTable = (): typeof TableType => createRequire(import.meta.url)('cli-table3') as typeof TableType;

/** NO_COLOR (https://no-color.org) set and not empty: no styling at all, bold included, as other tools read it. */
const stylingRefused = (): boolean => Boolean(process.env.NO_COLOR);

/** A plain table for people: bold headings on a terminal, and no borders when the output is not one. */
export function renderTable(head: string[], rows: (string | number | null | undefined)[][], tty = Boolean(process.stdout.isTTY)): string {
  const Table = loadTable();
  const table = new Table({
    head,
    style: { head: tty && !stylingRefused() ? ['bold'] : [], border: [], compact: true },
    ...(tty
      ? {}
      : {
          chars: {
            top: '',
            'top-mid': '',
            'top-left': '',
            'top-right': '',
            bottom: '',
            'bottom-mid': '',
            'bottom-left': '',
            'bottom-right': '',
            left: '',
            'left-mid': '',
            mid: '',
            'mid-mid': '',
            right: '',
            'right-mid': '',
            middle: '  ',
          },
        }),
  });
  for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))));
  return table.toString();
}

/** Key/value lines for `show` commands. */
export function renderFields(fields: [string, string | number | null | undefined][]): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${k.padEnd(width)}  ${v === null || v === undefined || v === '' ? '-' : v}`).join('\n');
}
