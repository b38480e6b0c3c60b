import type { ResolvedEndpoint } from '../endpoints/model.ts';
import { MinioAdminClient } from '../minio-admin/client.ts';
import type { DriveInfo, ServerInfo } from '../minio-admin/types.ts';
import type { DeploymentSnapshot, DriveReport } from './model.ts';

function nodeOf(drive: DriveInfo, fallback: string): string {
  try {
    return new URL(drive.endpoint).host || fallback;
  } catch {
    return fallback;
  }
}

/** Drives reported by several servers (each node lists its own; an offline node's drives come from its peers) counted once. */
function drivesOf(info: ServerInfo): DriveReport[] {
  const byEndpoint = new Map<string, DriveReport>();
  for (const server of info.servers ?? []) {
    for (const drive of server.drives ?? []) {
      const report: DriveReport = {
        pool: drive.pool_index ?? 0,
        set: drive.set_index ?? 0,
        node: nodeOf(drive, info.servers!.length === 1 ? 'local' : server.endpoint),
        path: drive.path ?? drive.endpoint,
        state: drive.state,
        healing: Boolean(drive.healing),
        ...(drive.healing && drive.heal_info
          ? {
              healProgress: {
                objectsHealed: drive.heal_info.objects_healed ?? 0,
                objectsFailed: drive.heal_info.objects_failed ?? 0,
                bytesHealed: drive.heal_info.bytes_done ?? 0,
                objectsTotal: drive.heal_info.objects_total_count ?? null,
                startedAt: drive.heal_info.started ?? null,
              },
            }
          : {}),
        totalBytes: drive.totalspace ?? 0,
        usedBytes: drive.usedspace ?? 0,
        availableBytes: drive.availspace ?? 0,
      };
      const seen = byEndpoint.get(drive.endpoint);
      if (!seen || (seen.state !== 'ok' && report.state === 'ok')) byEndpoint.set(drive.endpoint, report);
    }
  }
  return [...byEndpoint.values()];
}

export function snapshotFromInfo(info: ServerInfo): DeploymentSnapshot {
  const backend = info.backend ?? { backendType: 'unknown' };
  const drives = drivesOf(info);
  return {
    mode: info.mode,
    version: info.servers?.find((s) => s.version)?.version ?? null,
    deploymentId: info.deploymentID ?? null,
    // a single-drive deployment has no erasure coding: parity 0
    standardParity: backend.standardSCParity ?? 0,
    rrsParity: backend.rrSCParity ?? null,
    drivesPerSet: backend.totalDrivesPerSet ?? [drives.length],
    drives,
    nodes: (info.servers ?? []).map((s) => ({ node: s.endpoint, state: s.state, version: s.version ?? null })),
    objects: info.objects?.count ?? null,
    buckets: info.buckets?.count ?? null,
  };
}

export async function collectSnapshot({
  endpoint,
  timeoutMs,
}: {
  endpoint: ResolvedEndpoint;
  timeoutMs: number;
}): Promise<DeploymentSnapshot> {
  const client = new MinioAdminClient(endpoint, { timeoutMs });
  return snapshotFromInfo(await client.serverInfo());
}
