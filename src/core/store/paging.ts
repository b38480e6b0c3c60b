import type { Sql } from './sql.ts';

/**
 * Every row of a table in `order` (a unique, increasing column), a page at a
 * time: memory holds one page whatever the table holds.
 */
export async function* tableRows<T>(db: Sql, table: string, { order = 'id', page = 1000 } = {}): AsyncGenerator<T> {
  let after = -1;
  for (;;) {
    const rows = await db.all<T & { position: number }>(
      `SELECT *, ${order} AS position FROM ${table} WHERE ${order} > ? ORDER BY ${order} LIMIT ${page}`,
      [after],
    );
    for (const row of rows) yield row as Awaited<T>;
    if (rows.length < page) return;
    after = Number(rows.at(-1)!.position);
  }
}
