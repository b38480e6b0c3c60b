import type * as z from 'zod';
import type { ResolvedEndpoint } from '../endpoints/model.ts';
import { adminJson } from '../minio-admin/http.ts';

/**
 * One of MinIO's S3 extensions on a bucket (replication metrics, resync), a
 * SigV4-signed request whose answer is JSON; any other status is the mapped error.
 */
export function bucketExtension<T>(
  endpoint: ResolvedEndpoint,
  bucket: string,
  request: { method: 'GET' | 'PUT'; query: Record<string, string>; action: string; timeoutMs?: number },
  shape: z.ZodType<T>,
): Promise<T> {
  return adminJson(
    endpoint,
    { method: request.method, path: `/${encodeURIComponent(bucket)}`, query: request.query, timeoutMs: request.timeoutMs, retries: 0 },
    { alias: endpoint.name, url: endpoint.url, path: `${endpoint.name}/${bucket}`, action: request.action },
    shape,
    shape.parse({}),
  );
}
