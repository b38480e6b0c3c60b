import type { Capacity, DeploymentSnapshot, DriveReport, HealthReport, SetHealth } from './model.ts';
import { quorumFor, setStatus, worstStatus } from './quorum.ts';
import { count } from '../notation.ts';

const ONLINE = 'ok';

function isOnline(drive: DriveReport): boolean {
  return drive.state === ONLINE;
}

function groupBySet(drives: DriveReport[]): Map<string, DriveReport[]> {
  const sets = new Map<string, DriveReport[]>();
  for (const drive of drives) {
    const key = `${drive.pool}/${drive.set}`;
    sets.set(key, [...(sets.get(key) ?? []), drive]);
  }
  return new Map([...sets].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true })));
}

function assessSet(drives: DriveReport[], expectedDrives: number | undefined, parity: number): SetHealth {
  const { pool, set } = drives[0]!;
  const total = Math.max(drives.length, expectedDrives ?? 0);
  const online = drives.filter(isOnline).length;
  const healing = drives.filter((d) => d.healing).length;
  const offline = total - online;
  const quorum = quorumFor({ drives: total, parity, online });
  return {
    pool,
    set,
    status: setStatus(quorum, offline, healing, parity),
    drives: total,
    online,
    offline,
    healing,
    parity,
    readQuorum: quorum.readQuorum,
    writeQuorum: quorum.writeQuorum,
    canLoseBeforeReadOnly: Math.max(0, quorum.marginBeforeReadOnly),
    canLoseBeforeUnavailable: Math.max(0, quorum.marginBeforeUnavailable),
    writable: quorum.writable,
    readable: quorum.readable,
    problemDrives: drives
      .filter((d) => !isOnline(d) || d.healing)
      .map((d) => ({
        node: d.node,
        path: d.path,
        state: d.state,
        healing: d.healing,
        ...(d.healProgress ? { healProgress: d.healProgress } : {}),
      })),
  };
}

/** Raw and after-parity capacity, set by set (each set keeps D/N of its raw space for data). */
export function capacityOf(sets: Map<string, DriveReport[]>, parity: number): Capacity {
  const capacity: Capacity = { rawBytes: 0, rawUsedBytes: 0, usableBytes: 0, usableUsedBytes: 0, usableFreeBytes: 0, drivesNotCounted: 0 };
  for (const drives of sets.values()) {
    const dataFraction = (drives.length - parity) / drives.length;
    for (const drive of drives) {
      if (!isOnline(drive) || drive.totalBytes === 0) {
        capacity.drivesNotCounted++;
        continue;
      }
      capacity.rawBytes += drive.totalBytes;
      capacity.rawUsedBytes += drive.usedBytes;
      capacity.usableBytes += drive.totalBytes * dataFraction;
      capacity.usableUsedBytes += drive.usedBytes * dataFraction;
      capacity.usableFreeBytes += drive.availableBytes * dataFraction;
    }
  }
  for (const key of ['usableBytes', 'usableUsedBytes', 'usableFreeBytes'] as const) capacity[key] = Math.floor(capacity[key]);
  return capacity;
}

function summarize(sets: SetHealth[]): string {
  const worst = [...sets].sort((a, b) => a.canLoseBeforeReadOnly - b.canLoseBeforeReadOnly)[0];
  if (!worst) return 'no erasure sets reported';
  const where = sets.length > 1 ? ` (pool ${worst.pool + 1}, set ${worst.set + 1})` : '';
  if (!worst.readable)
    return `erasure set${where} is UNAVAILABLE: ${worst.online}/${worst.drives} drives online, read quorum is ${worst.readQuorum}`;
  if (!worst.writable) {
    return `erasure set${where} is READ-ONLY: ${worst.online}/${worst.drives} drives online, write quorum is ${worst.writeQuorum}; can lose ${worst.canLoseBeforeUnavailable} more before unavailable`;
  }
  if (worst.parity === 0)
    return `no redundancy (${count(worst.drives, 'drive')}, parity 0)${where}: a drive lost is data lost; run MinIO with erasure coding (4 drives or more) for an archive`;
  const degraded = sets.filter((s) => s.offline > 0).length;
  const state = degraded ? `${degraded} of ${sets.length} erasure set${sets.length === 1 ? '' : 's'} degraded` : 'all drives online';
  return `${state}; the weakest set${where} can lose ${worst.canLoseBeforeReadOnly} more drive${worst.canLoseBeforeReadOnly === 1 ? '' : 's'} before read-only, ${worst.canLoseBeforeUnavailable} before unavailable`;
}

export function assessHealth(endpoint: string, snapshot: DeploymentSnapshot, now: Date): HealthReport {
  const grouped = groupBySet(snapshot.drives);
  const sets = [...grouped.values()].map((drives) => assessSet(drives, snapshot.drivesPerSet[drives[0]!.pool], snapshot.standardParity));
  const status = sets.length === 0 ? 'UNKNOWN' : worstStatus(sets.map((s) => s.status));
  const offlineNodes = snapshot.nodes.filter((n) => n.state !== 'online' && n.state !== ONLINE).map((n) => n.node);
  return {
    endpoint,
    status,
    summary: summarize(sets),
    mode: snapshot.mode,
    version: snapshot.version,
    deploymentId: snapshot.deploymentId,
    parity: {
      standard: `EC:${snapshot.standardParity}`,
      reducedRedundancy: snapshot.rrsParity === null ? null : `EC:${snapshot.rrsParity}`,
    },
    drives: {
      total: sets.reduce((n, s) => n + s.drives, 0),
      online: sets.reduce((n, s) => n + s.online, 0),
      offline: sets.reduce((n, s) => n + s.offline, 0),
      healing: sets.reduce((n, s) => n + s.healing, 0),
    },
    nodes: { total: snapshot.nodes.length, online: snapshot.nodes.length - offlineNodes.length, offline: offlineNodes },
    sets,
    capacity: capacityOf(grouped, snapshot.standardParity),
    objects: snapshot.objects,
    buckets: snapshot.buckets,
    checkedAt: now.toISOString(),
  };
}
