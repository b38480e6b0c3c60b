import type { HealthStatus } from './quorum.ts';

/** One drive as the deployment reports it (normalised from the admin API). */
export interface DriveReport {
  pool: number;
  set: number;
  /** host:port of the node serving the drive; 'local' for a single-node deployment. */
  node: string;
  path: string;
  /** MinIO's state word: ok, offline, unformatted, faulty, ... */
  state: string;
  healing: boolean;
  /** What MinIO reports of a healing drive's progress. */
  healProgress?: HealProgress;
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
}

export interface HealProgress {
  objectsHealed: number;
  objectsFailed: number;
  bytesHealed: number;
  /** Objects MinIO expects to heal on this drive, when it knows. */
  objectsTotal: number | null;
  startedAt: string | null;
}

/** What health needs from one deployment, independent of the admin API's JSON. */
export interface DeploymentSnapshot {
  mode: string;
  version: string | null;
  deploymentId: string | null;
  /** Parity of the STANDARD storage class (EC:N). */
  standardParity: number;
  /** Parity of the REDUCED_REDUNDANCY storage class, when set. */
  rrsParity: number | null;
  /** Drives per erasure set, by pool index. */
  drivesPerSet: number[];
  drives: DriveReport[];
  nodes: { node: string; state: string; version: string | null }[];
  objects: number | null;
  buckets: number | null;
}

export interface SetHealth {
  pool: number;
  set: number;
  status: HealthStatus;
  drives: number;
  online: number;
  offline: number;
  healing: number;
  parity: number;
  readQuorum: number;
  writeQuorum: number;
  canLoseBeforeReadOnly: number;
  canLoseBeforeUnavailable: number;
  writable: boolean;
  readable: boolean;
  /** Drives that are not online, or are healing: where to look. */
  problemDrives: { node: string; path: string; state: string; healing: boolean; healProgress?: HealProgress }[];
}

export interface Capacity {
  rawBytes: number;
  rawUsedBytes: number;
  /** After parity: what objects can fill. */
  usableBytes: number;
  usableUsedBytes: number;
  usableFreeBytes: number;
  /** Drives whose size is unknown because they are offline: capacity is understated by them. */
  drivesNotCounted: number;
}

export interface HealthReport {
  endpoint: string;
  status: HealthStatus;
  summary: string;
  mode: string;
  version: string | null;
  deploymentId: string | null;
  parity: { standard: string; reducedRedundancy: string | null };
  drives: { total: number; online: number; offline: number; healing: number };
  nodes: { total: number; online: number; offline: string[] };
  sets: SetHealth[];
  capacity: Capacity;
  objects: number | null;
  buckets: number | null;
  checkedAt: string;
}
