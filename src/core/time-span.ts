import { usageError } from './errors.ts';

const SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** A time span as operators write it (90, 90s, 2m, 1h30m, 7d, 2w), in seconds; null when the text is not one. */
export function spanSeconds(text: string): number | null {
  const input = text.trim().toLowerCase();
  if (!input) return null;
  let rest = input;
  let total = 0;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)([smhdw])?/.exec(rest);
    if (!m || (m[2] === undefined && m[0] !== input)) return null;
    total += Number(m[1]) * SECONDS[m[2] ?? '']!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** A flag's time span (thresholds, intervals), more than zero, or a usage error naming the flag. */
export function parseSeconds(text: string, flag: string): number {
  const seconds = spanSeconds(text);
  if (seconds === null) throw usageError(`${flag} '${text}' is not a time span`, 'write it like 90s, 2m or 1h30m');
  if (!(seconds > 0)) throw usageError(`${flag} '${text}' is not a time span`, 'write it like 90s, 2m or 1h30m (more than zero)');
  return seconds;
}

/** A span written back as operators write one: 90 -> 1m30s, 3600 -> 1h, 0.5 -> 0.5s. */
export function formatSpan(seconds: number): string {
  let rest = seconds;
  let text = '';
  for (const unit of ['w', 'd', 'h', 'm'] as const) {
    const count = Math.floor(rest / SECONDS[unit]!);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * SECONDS[unit]!;
  }
  return rest > 0 || !text ? `${text}${Number(rest.toFixed(3))}s` : text;
}
