import type { ResolvedEndpoint } from '../endpoints/model.ts';
import { adminRequest } from '../minio-admin/http.ts';
import { responseFailure } from '../storage-errors.ts';

/**
 * One of MinIO's S3 extensions on a bucket (replication metrics, resync), a
 * SigV4-signed request whose answer is JSON; any other status is the mapped error.
 */
export async function bucketExtension<T>(
  endpoint: ResolvedEndpoint,
  bucket: string,
  request: { method: 'GET' | 'PUT'; query: Record<string, string>; action: string; timeoutMs?: number },
): Promise<T> {
  const res = await adminRequest(endpoint, {
    method: request.method,
    path: `/${encodeURIComponent(bucket)}`,
    query: request.query,
    timeoutMs: request.timeoutMs,
    retries: 0,
  });
  if (res.status !== 200)
    throw responseFailure(res, { alias: endpoint.name, url: endpoint.url, path: `${endpoint.name}/${bucket}`, action: request.action });
  return JSON.parse(res.body.toString('utf8') || '{}') as T;
}
