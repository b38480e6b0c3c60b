import type { Db } from '../store/open.ts';

/** How far the system clock may lag the newest time seen before it counts as turned back. */
export const ROLLBACK_TOLERANCE_MS = 10 * 60_000;

export interface TrustedTime {
  /** The time to judge expiry by: the system clock, or the newest time seen if the clock is behind it. */
  now: Date;
  systemNow: Date;
  highWater: Date;
  /** The system clock is earlier than a time MpegFlow has already seen, beyond the tolerance. */
  rolledBack: boolean;
}

function newestSeen(db: Db): number {
  const mark = db.prepare<[], { high_water: string }>('SELECT high_water FROM license_clock').get();
  const audit = db.prepare<[], { ts: string | null }>('SELECT MAX(ts) AS ts FROM audit_log').get();
  return Math.max(mark ? Date.parse(mark.high_water) : 0, audit?.ts ? Date.parse(audit.ts) : 0);
}

/**
 * The newest trustworthy time (the high-water mark kept in the state file,
 * the newest audit entry, a license's issue time), raised to the system
 * clock when that is later. Expiry is judged against the greater of the two,
 * so turning the clock back revives nothing.
 */
export function trustedTime(db: Db, systemNow: Date, alsoSeen: (string | null | undefined)[] = []): TrustedTime {
  const seen = Math.max(newestSeen(db), ...alsoSeen.filter((t): t is string => Boolean(t)).map((t) => Date.parse(t)));
  const highWater = Math.max(seen, systemNow.getTime());
  db.prepare(
    'INSERT INTO license_clock (singleton, high_water) VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET high_water = excluded.high_water WHERE excluded.high_water > license_clock.high_water',
  ).run(new Date(highWater).toISOString());
  return {
    now: new Date(highWater),
    systemNow,
    highWater: new Date(highWater),
    rolledBack: seen - systemNow.getTime() > ROLLBACK_TOLERANCE_MS,
  };
}
