import type { Db } from '../store/open.ts';

/** How far the system clock may lag the newest time seen before it counts as turned back. */
export const ROLLBACK_TOLERANCE_MS = 5 * 60_000;

export interface TrustedTime {
  /** The time to judge expiry by: the system clock, or the newest time seen if the clock is behind it. */
  now: Date;
  systemNow: Date;
  highWater: Date;
  /** The system clock is earlier than a time MpegFlow has already seen, beyond the tolerance. */
  rolledBack: boolean;
  /** How far the system clock is behind the newest time seen (0 when it is not). */
  behindMs: number;
}

async function newestSeen(db: Db): Promise<number> {
  const mark = await db.get<{ high_water: string }>('SELECT high_water FROM license_clock');
  const audit = await db.get<{ ts: string | null }>('SELECT MAX(ts) AS ts FROM audit_log');
  const times = [mark?.high_water, audit?.ts].map((t) => (t ? Date.parse(t) : 0));
  return Math.max(0, ...times.filter(Number.isFinite));
}

/**
 * The newest trustworthy time (the high-water mark kept in the state file,
 * the newest audit entry, a verified license's issue time), raised to the
 * system clock when that is later, and stored back as the new mark. Expiry is
 * judged against it, so turning the clock back revives nothing.
 *
 * The mark only moves forward: a clock once set far ahead keeps it there
 * (licenses then look expired until real time catches up). That is the price
 * of working offline; `license verify` shows both times so it can be seen.
 */
export async function trustedTime(db: Db, systemNow: Date, alsoSeen: (string | null | undefined)[] = []): Promise<TrustedTime> {
  const seen = Math.max(
    await newestSeen(db),
    ...alsoSeen
      .filter((t): t is string => Boolean(t))
      .map((t) => Date.parse(t))
      .filter(Number.isFinite),
  );
  const highWater = Math.max(seen, systemNow.getTime());
  await db.run(
    'INSERT INTO license_clock (singleton, high_water) VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET high_water = excluded.high_water WHERE excluded.high_water > license_clock.high_water',
    [new Date(highWater).toISOString()],
  );
  const behindMs = Math.max(0, seen - systemNow.getTime());
  return {
    now: new Date(highWater),
    systemNow,
    highWater: new Date(highWater),
    rolledBack: behindMs > ROLLBACK_TOLERANCE_MS,
    behindMs,
  };
}

/** "the system clock (…) is 40 days behind a time already seen (…)", for messages. */
export function describeRollback(clock: TrustedTime): string {
  const minutes = Math.round(clock.behindMs / 60_000);
  const amount =
    minutes >= 2 * 1440
      ? `${Math.round(minutes / 1440)} days`
      : minutes >= 120
        ? `${Math.round(minutes / 60)} hours`
        : `${minutes} minutes`;
  return `the system clock (${clock.systemNow.toISOString()}) is ${amount} behind a time MpegFlow has already seen (${clock.highWater.toISOString()}); licenses are judged at the later time`;
}
