import type { HealthSample } from './samples.ts';

const DAY_MS = 86_400_000;

export type Forecast =
  | { kind: 'insufficient-history'; samples: number; spanDays: number; needed: string }
  | { kind: 'not-growing'; growthBytesPerDay: number; samples: number; spanDays: number }
  | { kind: 'full-in'; days: number; fullAt: string; growthBytesPerDay: number; samples: number; spanDays: number };

export const MIN_SAMPLES = 3;
export const MIN_SPAN_DAYS = 1;

/**
 * Days until the usable space is full at the growth seen in the samples: a
 * least-squares line through (time, usable bytes used), which shrugs off the
 * odd sample taken while a drive was offline better than first-to-last would.
 */
export function forecastFull(samples: HealthSample[], usableFreeBytes: number, now: Date): Forecast {
  const points = samples.filter((s) => s.usableBytes > 0).map((s) => ({ x: Date.parse(s.ts) / DAY_MS, y: s.usableUsedBytes }));
  const spanDays = points.length > 1 ? points[points.length - 1]!.x - points[0]!.x : 0;
  if (points.length < MIN_SAMPLES || spanDays < MIN_SPAN_DAYS) {
    return {
      kind: 'insufficient-history',
      samples: points.length,
      spanDays: round(spanDays),
      needed: `at least ${MIN_SAMPLES} samples over ${MIN_SPAN_DAYS} day (run \`mpegflow health\` from cron)`,
    };
  }
  const meanX = points.reduce((s, p) => s + p.x, 0) / points.length;
  const meanY = points.reduce((s, p) => s + p.y, 0) / points.length;
  const covariance = points.reduce((s, p) => s + (p.x - meanX) * (p.y - meanY), 0);
  const variance = points.reduce((s, p) => s + (p.x - meanX) ** 2, 0);
  const growthBytesPerDay = covariance / variance;
  if (growthBytesPerDay <= 0)
    return { kind: 'not-growing', growthBytesPerDay: Math.round(growthBytesPerDay), samples: points.length, spanDays: round(spanDays) };
  const days = usableFreeBytes / growthBytesPerDay;
  return {
    kind: 'full-in',
    days: round(days),
    fullAt: new Date(now.getTime() + days * DAY_MS).toISOString(),
    growthBytesPerDay: Math.round(growthBytesPerDay),
    samples: points.length,
    spanDays: round(spanDays),
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
