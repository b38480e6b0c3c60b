/**
 * The parts of madmin's JSON that MpegFlow reads (field names as the server
 * sends them; see madmin-go info-commands.go and heal-commands.go).
 */

export interface DriveInfo {
  endpoint: string;
  path?: string;
  /** "ok", "offline", "unformatted", "faulty", "missing", ... */
  state: string;
  uuid?: string;
  healing?: boolean;
  scanning?: boolean;
  totalspace?: number;
  usedspace?: number;
  availspace?: number;
  pool_index?: number;
  set_index?: number;
  disk_index?: number;
  heal_info?: {
    objects_healed?: number;
    objects_failed?: number;
    bytes_done?: number;
    bytes_failed?: number;
    objects_total_count?: number;
    objects_total_size?: number;
    started?: string;
  };
}

export interface ServerProperties {
  state: string;
  endpoint: string;
  scheme?: string;
  uptime?: number;
  version?: string;
  commitID?: string;
  network?: Record<string, string>;
  drives?: DriveInfo[];
  poolNumber?: number;
  poolNumbers?: number[];
}

export interface ErasureBackend {
  backendType: string;
  onlineDisks?: number;
  offlineDisks?: number;
  standardSCParity?: number;
  rrSCParity?: number;
  totalSets?: number[];
  totalDrivesPerSet?: number[];
}

export interface ServerInfo {
  mode: string;
  deploymentID?: string;
  region?: string;
  buckets?: { count: number };
  objects?: { count: number };
  usage?: { size: number };
  backend?: ErasureBackend;
  servers?: ServerProperties[];
}

/** madmin's BgHealState (fields without JSON tags keep their Go names). */
export interface BackgroundHealStatus {
  ScannedItemsCount?: number;
  HealDisks?: string[] | null;
  sets?: { id?: string; pool_index: number; set_index: number; heal_status?: string; heal_priority?: string; disks?: DriveInfo[] }[] | null;
}

export interface ClusterHealth {
  kind: 'write' | 'read';
  healthy: boolean;
  status: number;
  writeQuorum: number | null;
  readQuorum: number | null;
  maintenance: boolean;
}
