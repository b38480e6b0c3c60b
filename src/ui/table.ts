import { createRequire } from 'node:module';
import type TableType from 'cli-table3';

// loaded on first use: commands import this module, and `--version` or `--json` should not pay for cli-table3
const loadTable = (): typeof TableType => createRequire(import.meta.url)('cli-table3') as typeof TableType;

/** NO_COLOR (https://no-color.org) set and not empty: no styling at all, bold included, as other tools read it. */
const stylingRefused = (): boolean => Boolean(process.env.NO_COLOR);

/**
 * The width a table must fit: $COLUMNS when set (asked for, on a terminal or not), else the terminal's;
 * none for a pipe or a log, where nothing is shortened.
 */
export function outputWidth(tty: boolean): number | undefined {
  const columns = Number.parseInt(process.env.COLUMNS ?? '', 10);
  if (columns > 0) return columns;
  return tty ? process.stdout.columns || undefined : undefined;
}

/** A long value cut in the middle, where paths and keys say least: `central/vod/…/interview.mp4`. */
export function shortenMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = Math.max(1, max - 1);
  const tail = Math.ceil(keep / 2);
  return `${text.slice(0, keep - tail)}…${text.slice(text.length - tail)}`;
}

export interface TableOptions {
  /** Columns (by heading) that may be cut in the middle to fit the width; the widest first. */
  shrink?: string[];
  /** Columns left out, in this order, when cutting is not enough; the table says which (--json has them all). */
  drop?: string[];
  /** The width to fit (default: outputWidth). */
  width?: number;
}

/** Narrowest a shrunk column gets: enough of a path's both ends to tell it. */
const MIN_SHRUNK = 12;

/**
 * Fits a table to the width: the shrinkable columns cut in the middle (the
 * widest first, down to MIN_SHRUNK), then, when that is not enough, the
 * droppable ones left out in order. A bordered table takes 3 columns per
 * cell and one more, a plain one 2 between cells.
 */
function fitTable(
  head: string[],
  cells: string[][],
  tty: boolean,
  options: TableOptions,
): { head: string[]; cells: string[][]; dropped: string[] } {
  const width = options.width ?? outputWidth(tty);
  if (width === undefined) return { head, cells, dropped: [] };
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const kept = head.map(() => true);
  const total = () =>
    widths.reduce((sum, w, i) => sum + (kept[i] ? w : 0), 0) +
    (tty ? 3 * kept.filter(Boolean).length + 1 : 2 * (kept.filter(Boolean).length - 1));
  const shrink = (options.shrink ?? []).map((name) => head.indexOf(name)).filter((i) => i >= 0);
  const floor = (i: number) => Math.max(MIN_SHRUNK, head[i]!.length);
  const cut = () => {
    while (total() > width) {
      const widest = shrink.filter((i) => kept[i]).reduce((a, b) => (widths[b]! > widths[a]! ? b : a), shrink.find((i) => kept[i]) ?? -1);
      if (widest < 0 || widths[widest]! <= floor(widest)) break;
      widths[widest]!--; // a column at a time, so the cut ones end up alike
    }
  };
  const natural = [...widths];
  cut();
  const dropped: string[] = [];
  for (const name of options.drop ?? []) {
    if (total() <= width) break;
    const i = head.indexOf(name);
    if (i < 0) continue;
    kept[i] = false;
    dropped.push(name);
    // the room a column leaves goes back to the cut ones
    for (const j of shrink) widths[j] = natural[j]!;
    cut();
  }
  const pick = <T>(row: T[]) => row.filter((_, i) => kept[i]);
  return {
    head: pick(head),
    cells: cells.map((row) => pick(row.map((cell, i) => (shrink.includes(i) ? shortenMiddle(cell, widths[i]!) : cell)))),
    dropped,
  };
}

/** A plain table for people: bold headings on a terminal, and no borders when the output is not one. */
export function renderTable(
  head: string[],
  rows: (string | number | null | undefined)[][],
  tty = Boolean(process.stdout.isTTY),
  options: TableOptions = {},
): string {
  const Table = loadTable();
  const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))));
  const fitted = fitTable(head, cells, tty, options);
  const table = new Table({
    head: fitted.head,
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
  for (const row of fitted.cells) table.push(row);
  const note = fitted.dropped.length > 0 ? `\n(left out to fit: ${fitted.dropped.join(', ')}; --json has all)` : '';
  return `${table.toString()}${note}`;
}

/** Key/value lines for `show` commands. */
export function renderFields(fields: [string, string | number | null | undefined][]): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${k.padEnd(width)}  ${v === null || v === undefined || v === '' ? '-' : v}`).join('\n');
}
