import { userError } from '../errors.ts';

/** A retention period as written by the operator: one or more NUMBER+UNIT groups, e.g. `7y`, `1y6mo`, `90d`. */
export interface RetentionPeriod {
  /** Normalised text, e.g. `7y` or `1y6mo`. */
  text: string;
  years: number;
  months: number;
  days: number;
  hours: number;
}

const UNITS: Record<string, keyof Omit<RetentionPeriod, 'text'> | [keyof Omit<RetentionPeriod, 'text'>, number]> = {
  y: 'years',
  mo: 'months',
  w: ['days', 7],
  d: 'days',
  h: 'hours',
};

/** Retention longer than this is almost certainly a typo (and compliance mode cannot be undone). */
const MAX_YEARS = 100;

function badDuration(text: string, why: string): Error {
  return userError(
    `cannot read the retention period '${text}': ${why}`,
    'write it as NUMBER+UNIT groups: y (years), mo (months), w (weeks), d (days), h (hours), e.g. 7y, 1y6mo, 90d',
    'DURATION_INVALID',
  );
}

export function parseDuration(input: string): RetentionPeriod {
  const text = input.trim().toLowerCase();
  if (!text) throw badDuration(input, 'it is empty');
  const period: RetentionPeriod = { text: '', years: 0, months: 0, days: 0, hours: 0 };
  const seen = new Set<string>();
  let rest = text;
  while (rest) {
    const m = /^(\d+)([a-z]+)/.exec(rest);
    if (!m) throw badDuration(input, `'${rest}' is not NUMBER+UNIT`);
    const [whole, digits, unit] = m as unknown as [string, string, string];
    if (unit === 'm') throw badDuration(input, "'m' is ambiguous: write 'mo' for months (minutes are not a retention unit)");
    const target = UNITS[unit];
    if (!target) throw badDuration(input, `'${unit}' is not a unit`);
    if (seen.has(unit)) throw badDuration(input, `the unit '${unit}' is given twice`);
    seen.add(unit);
    const [field, factor] = Array.isArray(target) ? target : [target, 1];
    period[field] += Number(digits) * factor;
    rest = rest.slice(whole.length);
  }
  if (period.years + period.months + period.days + period.hours === 0) throw badDuration(input, 'it is zero');
  if (period.years + period.months / 12 + period.days / 365 > MAX_YEARS) throw badDuration(input, `it is longer than ${MAX_YEARS} years`);
  period.text = text;
  return period;
}

/** When retention that starts at `from` ends: calendar years and months (UTC), then days and hours. */
export function retainUntil(period: RetentionPeriod, from: Date): Date {
  const d = new Date(from.getTime());
  if (period.years || period.months) {
    const day = d.getUTCDate();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + period.years * 12 + period.months);
    // 29 Feb + 1y, 31 Jan + 1mo: the last day of the shorter month
    const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    d.setUTCDate(Math.min(day, last));
  }
  return new Date(d.getTime() + period.days * 86_400_000 + period.hours * 3_600_000);
}
