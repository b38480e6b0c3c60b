import type { Db } from '../store/open.ts';
import { forecastFull, type Forecast } from './forecast.ts';
import type { Capacity, HealthReport } from './model.ts';
import { samplesSince, sampleOf, storeSample } from './samples.ts';

export interface CapacityReport {
  endpoint: string;
  parity: string;
  capacity: Capacity;
  usedPercent: number;
  forecast: Forecast;
  checkedAt: string;
}

const HISTORY_DAYS = 90;

/** Today's capacity after parity and, from the stored samples of the last 90 days, when it will be full. */
export async function capacityReport(db: Db, report: HealthReport, now: Date): Promise<CapacityReport> {
  await storeSample(db, sampleOf(report));
  const since = new Date(now.getTime() - HISTORY_DAYS * 86_400_000).toISOString();
  const c = report.capacity;
  return {
    endpoint: report.endpoint,
    parity: report.parity.standard,
    capacity: c,
    usedPercent: c.usableBytes > 0 ? Math.round((c.usableUsedBytes / c.usableBytes) * 1000) / 10 : 0,
    forecast: forecastFull(await samplesSince(db, report.endpoint, since), c.usableFreeBytes, now),
    checkedAt: report.checkedAt,
  };
}
