import * as z from 'zod';
import type { ResolvedEndpoint } from '../endpoints/model.ts';
import { optional } from '../minio-admin/types.ts';
import { bucketExtension } from './bucket-extension.ts';

interface CountBytes {
  count: number;
  bytes: number;
}

/**
 * One replication target's figures from MinIO's bucket replication metrics,
 * as `mc replicate status` shows them. MinIO keeps them in memory: they count
 * from the edge's last start (`uptimeSeconds`), and the failures are those
 * seen in a window, not the objects still marked FAILED (`replicate status
 * --deep` walks the objects for those).
 */
export interface TargetMetrics {
  uptimeSeconds: number;
  replicated: CountBytes;
  /** Waiting in the edge's replication queue now (every target of the bucket). */
  queued: CountBytes;
  failed: { lastMinute: CountBytes; lastHour: CountBytes; total: CountBytes };
  /** The remote target's bandwidth limit, bytes per second; null for none. */
  bandwidthLimit: number | null;
  /** What replication to this target uses now, bytes per second. */
  currentBandwidth: number;
}

/** The parts of GET /BUCKET?replication-metrics=2 (minio-go's BucketReplicationMetricsV2) MpegFlow reads. */
const number = optional(z.number());
const wireCountBytes = optional(z.looseObject({ count: number, bytes: number }));
type WireCountBytes = z.infer<typeof wireCountBytes>;
const wireTargetStats = z.looseObject({
  completedReplicationSize: number,
  replicationCount: number,
  failed: optional(z.looseObject({ lastMinute: wireCountBytes, lastHour: wireCountBytes, totals: wireCountBytes })),
  limitInBits: number,
  currentBandwidth: number,
});
const wireMetricsV2 = z.looseObject({
  uptime: number,
  currStats: optional(
    z.looseObject({
      Stats: optional(z.record(z.string(), wireTargetStats)),
      queued: optional(z.looseObject({ curr: wireCountBytes })),
    }),
  ),
});
export type WireMetricsV2 = z.infer<typeof wireMetricsV2>;

const countBytes = (value: WireCountBytes | undefined): CountBytes => ({ count: value?.count ?? 0, bytes: value?.bytes ?? 0 });

/** One target's figures from the wire document; a target MinIO has not counted anything for yet reads as zeros. */
export function targetMetrics(doc: WireMetricsV2, arn: string): TargetMetrics {
  const stats = doc.currStats?.Stats?.[arn] ?? {};
  // despite its name, limitInBits carries the target's bandwidth limit in bytes per second (madmin BucketTarget.BandwidthLimit)
  const limit = stats.limitInBits ?? 0;
  return {
    uptimeSeconds: doc.uptime ?? 0,
    replicated: { count: stats.replicationCount ?? 0, bytes: stats.completedReplicationSize ?? 0 },
    queued: countBytes(doc.currStats?.queued?.curr),
    failed: {
      lastMinute: countBytes(stats.failed?.lastMinute),
      lastHour: countBytes(stats.failed?.lastHour),
      total: countBytes(stats.failed?.totals),
    },
    bandwidthLimit: limit > 0 ? limit : null,
    currentBandwidth: stats.currentBandwidth ?? 0,
  };
}

/** GET /BUCKET?replication-metrics=2 on the edge: one request, whatever the number of objects. */
export function fetchReplicationMetrics(edge: ResolvedEndpoint, bucket: string): Promise<WireMetricsV2> {
  return bucketExtension(
    edge,
    bucket,
    { method: 'GET', query: { 'replication-metrics': '2' }, action: 'read the replication metrics of' },
    wireMetricsV2,
  );
}
