import { usageError } from '../errors.ts';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since` accepts an ISO date or date-time, or a duration back from now (90s, 30m, 24h, 7d, 2w). */
export function parseSince(value: string, now: Date): string {
  const duration = /^(\d+)([smhdw])$/.exec(value.trim());
  if (duration) return new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2]!]!).toISOString();
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw usageError(
      `--since '${value}' is neither a date nor a duration`,
      'use e.g. --since 2026-11-01, --since 2026-11-01T08:00:00Z or --since 24h',
    );
  return new Date(ms).toISOString();
}
