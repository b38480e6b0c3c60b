import { usageError } from '../core/errors.ts';

const SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600 };

/** A time span as operators write it for thresholds and intervals: 90, 90s, 2m, 1h30m. */
export function parseSeconds(text: string, flag: string): number {
  const input = text.trim().toLowerCase();
  let rest = input;
  let total = 0;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(h|m|s)?/.exec(rest);
    if (!m || (m[2] === undefined && m[0] !== input))
      throw usageError(`${flag} '${text}' is not a time span`, 'write it like 90s, 2m or 1h30m');
    total += Number(m[1]) * SECONDS[m[2] ?? '']!;
    rest = rest.slice(m[0].length);
  }
  if (!(total > 0)) throw usageError(`${flag} '${text}' is not a time span`, 'write it like 90s, 2m or 1h30m (more than zero)');
  return total;
}
