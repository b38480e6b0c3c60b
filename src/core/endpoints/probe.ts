import type { ResolvedEndpoint } from './model.ts';
import { createS3Client } from '../s3/client.ts';
import { MinioAdminClient } from '../minio-admin/client.ts';
import { isMpegflowError } from '../errors.ts';
import { storageFailure } from '../s3/errors.ts';
import type { ServerInfo } from '../minio-admin/types.ts';
import type { ThroughputResult } from './throughput.ts';

export interface EndpointCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** What `endpoint test` reports: the checks, and the throughput with --throughput. */
export type EndpointTestOutput = EndpointTestResult & { throughput?: ThroughputResult };

export interface EndpointTestResult {
  endpoint: string;
  url: string;
  ok: boolean;
  /** Median round trip of a signed S3 request, milliseconds. */
  latencyMs: number | null;
  server: { version: string | null; mode: string; nodes: number; drives: number; deploymentId: string | null } | null;
  buckets: number | null;
  checks: EndpointCheck[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Checks an endpoint the way an operator would by hand: can we reach it and
 * sign in (listing buckets, a few times for the round trip), and what MinIO is
 * it (the admin API's server info, when the key may read it).
 */
export async function testEndpoint({
  endpoint,
  samples = 5,
  timeoutMs = 10_000,
}: {
  endpoint: ResolvedEndpoint;
  samples?: number;
  timeoutMs?: number;
}): Promise<EndpointTestResult> {
  const s3 = createS3Client(endpoint);
  const checks: EndpointCheck[] = [];
  const result: EndpointTestResult = {
    endpoint: endpoint.name,
    url: endpoint.url,
    ok: false,
    latencyMs: null,
    server: null,
    buckets: null,
    checks,
  };
  const timings: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      const buckets = await Promise.race([
        s3.listBuckets(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'TIMEOUT' })), timeoutMs).unref(),
        ),
      ]);
      timings.push(performance.now() - started);
      result.buckets = buckets.length;
    }
  } catch (error) {
    throw storageFailure(error, { alias: endpoint.name, url: endpoint.url, action: 'list the buckets' });
  }
  result.latencyMs = Math.round(median(timings) * 10) / 10;
  checks.push({
    name: 'S3 sign-in',
    ok: true,
    detail: `${result.buckets} bucket${result.buckets === 1 ? '' : 's'} visible, ${result.latencyMs} ms round trip (median of ${samples})`,
  });
  try {
    const info: ServerInfo = await new MinioAdminClient(endpoint, { timeoutMs }).serverInfo();
    const drives = (info.servers ?? []).reduce((n, s) => n + (s.drives?.length ?? 0), 0);
    result.server = {
      version: info.servers?.find((s) => s.version)?.version ?? null,
      mode: info.mode,
      nodes: info.servers?.length ?? 0,
      drives,
      deploymentId: info.deploymentID ?? null,
    };
    checks.push({
      name: 'admin API',
      ok: true,
      detail: `MinIO ${result.server.version ?? '?'} (${info.mode}), ${result.server.nodes} node(s), ${drives} drive(s)`,
    });
  } catch (error) {
    if (!isMpegflowError(error)) throw error;
    checks.push({ name: 'admin API', ok: false, detail: `${error.message}${error.suggestion ? ` (${error.suggestion})` : ''}` });
  }
  result.ok = checks.every((c) => c.ok);
  return result;
}
