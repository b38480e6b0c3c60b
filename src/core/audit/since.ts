import { usageError } from '../errors.ts';
import { spanSeconds } from '../time-span.ts';

/** `--since` accepts an ISO date or date-time, or a duration back from now (90s, 30m, 24h, 7d, 2w). */
export function parseSince(value: string, now: Date): string {
  // a bare number is not taken as seconds here: it reads as a year or a date
  const seconds = /[smhdw]$/i.test(value.trim()) ? spanSeconds(value) : null;
  if (seconds !== null) return new Date(now.getTime() - seconds * 1000).toISOString();
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw usageError(
      `--since '${value}' is neither a date nor a duration`,
      'use e.g. --since 2026-11-01, --since 2026-11-01T08:00:00Z or --since 24h',
    );
  return new Date(ms).toISOString();
}
