import * as z from 'zod';
import type { ResolvedEndpoint } from '../endpoints/model.ts';
import { responseFailure } from '../s3/errors.ts';
import { adminAnswer, adminJson, adminRequest } from '../minio-admin/http.ts';
import { optional } from '../minio-admin/types.ts';
import { encryptAdminBody } from '../minio-admin/madmin-crypto.ts';

/** madmin's BucketTarget, the parts MpegFlow sets and reads. */
export interface RemoteTarget {
  sourcebucket: string;
  endpoint: string;
  targetbucket: string;
  secure: boolean;
  arn?: string;
  type: 'replication';
  region?: string;
  bandwidthlimit?: number;
  replicationSync?: boolean;
  isOnline?: boolean;
  /** The edge's requests to the target, nanoseconds. */
  latency?: { curr?: number; avg?: number; max?: number };
  credentials?: { accessKey: string; secretKey?: string };
}

/** A target as list-remote-targets describes it: the fields MpegFlow reads, checked. */
const listedTarget = z.looseObject({
  sourcebucket: z.string(),
  endpoint: z.string(),
  targetbucket: z.string(),
  secure: z.boolean(),
  arn: optional(z.string()),
  type: z.string(),
  region: optional(z.string()),
  bandwidthlimit: optional(z.number()),
  replicationSync: optional(z.boolean()),
  isOnline: optional(z.boolean()),
  latency: optional(z.looseObject({ curr: optional(z.number()), avg: optional(z.number()), max: optional(z.number()) })),
});
export type ListedTarget = z.infer<typeof listedTarget>;
const listedTargets = optional(z.array(listedTarget)).transform((targets) => targets ?? []);

/** GET /minio/admin/v3/list-remote-targets: the edge bucket's replication targets (no secrets in the answer). */
export async function listRemoteTargets(edge: ResolvedEndpoint, bucket: string): Promise<ListedTarget[]> {
  return adminJson(
    edge,
    { method: 'GET', path: '/minio/admin/v3/list-remote-targets', query: { bucket, type: 'replication' } },
    { alias: edge.name, url: edge.url, path: `${edge.name}/${bucket}`, action: 'list the remote targets of' },
    listedTargets,
    [],
  );
}

/**
 * PUT /minio/admin/v3/set-remote-target: the central endpoint's credentials
 * travel only inside the body, encrypted with the edge's admin secret key.
 */
export async function setRemoteTarget(
  edge: ResolvedEndpoint,
  central: ResolvedEndpoint,
  target: Omit<RemoteTarget, 'credentials' | 'arn'>,
  update: string | null,
): Promise<string> {
  const body = encryptAdminBody(
    edge.secretKey,
    Buffer.from(
      JSON.stringify({
        ...target,
        credentials: { accessKey: central.accessKey, secretKey: central.secretKey },
        ...(update ? { arn: update } : {}),
      }),
    ),
  );
  const res = await adminRequest(edge, {
    method: 'PUT',
    path: '/minio/admin/v3/set-remote-target',
    // an update changes only the settings named in the query (madmin's TargetUpdateType): MpegFlow manages these two
    query: { bucket: target.sourcebucket, ...(update ? { update: 'true', bandwidth: 'true', sync: 'true' } : {}) },
    body,
    retries: 0,
  });
  if (res.status !== 200)
    throw responseFailure(res, {
      alias: edge.name,
      url: edge.url,
      path: `${edge.name}/${target.sourcebucket}`,
      action: 'create the replication target of',
    });
  return adminAnswer(
    res,
    { alias: edge.name, url: edge.url, path: `${edge.name}/${target.sourcebucket}`, action: 'create the replication target of' },
    z.string(),
  );
}

export async function removeRemoteTarget(edge: ResolvedEndpoint, bucket: string, arn: string): Promise<void> {
  const res = await adminRequest(edge, { method: 'DELETE', path: '/minio/admin/v3/remove-remote-target', query: { bucket, arn } });
  if (res.status !== 200 && res.status !== 204)
    throw responseFailure(res, {
      alias: edge.name,
      url: edge.url,
      path: `${edge.name}/${bucket}`,
      action: `remove the replication target ${arn} of`,
    });
}
