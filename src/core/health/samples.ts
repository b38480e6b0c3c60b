import type { Db } from '../store/open.ts';
import type { HealthReport } from './model.ts';

export interface HealthSample {
  endpoint: string;
  ts: string;
  status: string;
  drivesTotal: number;
  drivesOnline: number;
  drivesHealing: number;
  rawBytes: number;
  rawUsedBytes: number;
  usableBytes: number;
  usableUsedBytes: number;
}

export function sampleOf(report: HealthReport): HealthSample {
  return {
    endpoint: report.endpoint,
    ts: report.checkedAt,
    status: report.status,
    drivesTotal: report.drives.total,
    drivesOnline: report.drives.online,
    drivesHealing: report.drives.healing,
    rawBytes: report.capacity.rawBytes,
    rawUsedBytes: report.capacity.rawUsedBytes,
    usableBytes: report.capacity.usableBytes,
    usableUsedBytes: report.capacity.usableUsedBytes,
  };
}

export async function storeSample(db: Db, s: HealthSample): Promise<void> {
  await db.run(
    `INSERT INTO health_samples (endpoint, ts, status, drives_total, drives_online, drives_healing, raw_bytes, raw_used_bytes, usable_bytes, usable_used_bytes)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      s.endpoint,
      s.ts,
      s.status,
      s.drivesTotal,
      s.drivesOnline,
      s.drivesHealing,
      s.rawBytes,
      s.rawUsedBytes,
      s.usableBytes,
      s.usableUsedBytes,
    ],
  );
}

/** Samples of one endpoint since a time, oldest first. */
export async function samplesSince(db: Db, endpoint: string, since: string): Promise<HealthSample[]> {
  return db.all<HealthSample>(
    `SELECT endpoint, ts, status, drives_total AS "drivesTotal", drives_online AS "drivesOnline", drives_healing AS "drivesHealing",
            raw_bytes AS "rawBytes", raw_used_bytes AS "rawUsedBytes", usable_bytes AS "usableBytes", usable_used_bytes AS "usableUsedBytes"
     FROM health_samples WHERE endpoint = ? AND ts >= ? ORDER BY ts`,
    [endpoint, since],
  );
}
