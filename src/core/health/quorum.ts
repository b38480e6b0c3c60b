/**
 * MinIO's quorum rules for one erasure set of N drives with parity P (EC:P):
 * an object is striped over D = N - P data and P parity shards.
 * - reading needs D shards: read quorum = D;
 * - writing needs D shards too, or D + 1 when D == P, so that two halves of a
 *   split set can never both accept writes: write quorum = D (+1 if D == P).
 * Below write quorum the set (and so the deployment) stops accepting writes;
 * below read quorum its objects cannot be read.
 */
export interface QuorumInput {
  drives: number;
  parity: number;
  online: number;
}

export interface Quorum {
  dataDrives: number;
  readQuorum: number;
  writeQuorum: number;
  /** How many more drives may fail before the set stops accepting writes (negative: already read-only by that many). */
  marginBeforeReadOnly: number;
  /** How many more drives may fail before objects become unreadable (negative: already unavailable). */
  marginBeforeUnavailable: number;
  writable: boolean;
  readable: boolean;
}

export function quorumFor({ drives, parity, online }: QuorumInput): Quorum {
  const dataDrives = drives - parity;
  const readQuorum = dataDrives;
  const writeQuorum = dataDrives === parity ? dataDrives + 1 : dataDrives;
  return {
    dataDrives,
    readQuorum,
    writeQuorum,
    marginBeforeReadOnly: online - writeQuorum,
    marginBeforeUnavailable: online - readQuorum,
    writable: online >= writeQuorum,
    readable: online >= readQuorum,
  };
}

export type HealthStatus = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

/** The monitoring plugin convention every health-reporting command exits with (and the textfile gauges use). */
export const STATUS_EXIT_CODE = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const satisfies Record<HealthStatus, number>;

const RANK: Record<HealthStatus, number> = { OK: 0, WARNING: 1, UNKNOWN: 2, CRITICAL: 3 };

/** The worst of several statuses: CRITICAL beats UNKNOWN beats WARNING beats OK. */
export function worstStatus(statuses: HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), 'OK');
}

/**
 * OK: every drive online and nothing healing, with parity. WARNING: degraded
 * or healing, but at least one more drive can fail before the set turns
 * read-only; or a set without parity (a single drive), whole but one failure
 * from losing data. CRITICAL: degraded down to write quorum (the next
 * failure makes it read-only), or past it.
 */
export function setStatus(quorum: Quorum, offline: number, healing: number, parity: number): HealthStatus {
  const degraded = offline > 0 || healing > 0;
  if (!quorum.writable || (degraded && quorum.marginBeforeReadOnly <= 0)) return 'CRITICAL';
  return degraded || parity === 0 ? 'WARNING' : 'OK';
}
