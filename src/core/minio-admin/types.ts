import * as z from 'zod';

/**
 * The parts of madmin's JSON that MpegFlow reads (field names as the server
 * sends them; see madmin-go info-commands.go and heal-commands.go), checked
 * as they arrive: what else the server sends is let through, and a field of
 * another type is an error naming it (adminJson).
 */

/** Absent or null (Go writes a nil slice or pointer as null): read as absent. */
export function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema.optional());
}

const count = optional(z.number());

export const driveInfo = z.looseObject({
  endpoint: z.string(),
  path: optional(z.string()),
  /** "ok", "offline", "unformatted", "faulty", "missing", ... */
  state: z.string(),
  uuid: optional(z.string()),
  healing: optional(z.boolean()),
  scanning: optional(z.boolean()),
  totalspace: count,
  usedspace: count,
  availspace: count,
  pool_index: count,
  set_index: count,
  disk_index: count,
  heal_info: optional(
    z.looseObject({
      objects_healed: count,
      objects_failed: count,
      bytes_done: count,
      bytes_failed: count,
      objects_total_count: count,
      objects_total_size: count,
      started: optional(z.string()),
    }),
  ),
});
export type DriveInfo = z.infer<typeof driveInfo>;

const serverProperties = z.looseObject({
  state: z.string(),
  endpoint: z.string(),
  scheme: optional(z.string()),
  uptime: count,
  version: optional(z.string()),
  commitID: optional(z.string()),
  network: optional(z.record(z.string(), z.string())),
  drives: optional(z.array(driveInfo)),
  poolNumber: count,
  poolNumbers: optional(z.array(z.number())),
});
export type ServerProperties = z.infer<typeof serverProperties>;

const erasureBackend = z.looseObject({
  backendType: z.string(),
  onlineDisks: count,
  offlineDisks: count,
  standardSCParity: count,
  rrSCParity: count,
  totalSets: optional(z.array(z.number())),
  totalDrivesPerSet: optional(z.array(z.number())),
});
export type ErasureBackend = z.infer<typeof erasureBackend>;

export const serverInfo = z.looseObject({
  mode: z.string(),
  deploymentID: optional(z.string()),
  region: optional(z.string()),
  buckets: optional(z.looseObject({ count: z.number() })),
  objects: optional(z.looseObject({ count: z.number() })),
  usage: optional(z.looseObject({ size: z.number() })),
  backend: optional(erasureBackend),
  servers: optional(z.array(serverProperties)),
});
export type ServerInfo = z.infer<typeof serverInfo>;

/** madmin's BgHealState (fields without JSON tags keep their Go names). */
export const backgroundHealStatus = z.looseObject({
  ScannedItemsCount: count,
  HealDisks: optional(z.array(z.string())),
  sets: optional(
    z.array(
      z.looseObject({
        id: optional(z.string()),
        pool_index: z.number(),
        set_index: z.number(),
        heal_status: optional(z.string()),
        heal_priority: optional(z.string()),
        disks: optional(z.array(driveInfo)),
      }),
    ),
  ),
});
export type BackgroundHealStatus = z.infer<typeof backgroundHealStatus>;

export interface ClusterHealth {
  kind: 'write' | 'read';
  healthy: boolean;
  status: number;
  writeQuorum: number | null;
  readQuorum: number | null;
  maintenance: boolean;
}
