import Table from 'cli-table3';

/** A plain table for people: no colours and no borders when the output is not a terminal. */
export function renderTable(head: string[], rows: (string | number | null | undefined)[][], tty = Boolean(process.stdout.isTTY)): string {
  const table = new Table({
    head,
    style: { head: tty ? ['bold'] : [], border: [], compact: true },
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
