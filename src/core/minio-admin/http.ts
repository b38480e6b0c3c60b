import http from 'node:http';
import https from 'node:https';
import aws4 from 'aws4';
import type * as z from 'zod';
import { MpegflowError } from '../errors.ts';
import { responseFailure, storageFailure, type StorageTarget } from '../s3/errors.ts';
import { withRetry } from '../retry.ts';
import type { ResolvedEndpoint } from '../endpoints/model.ts';

export interface AdminResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface AdminRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: Buffer;
  /** Sign with SigV4 (admin API); the health probes are unauthenticated. */
  signed?: boolean;
  headers?: Record<string, string>;
  timeoutMs?: number;
  retries?: number;
}

function send(endpoint: ResolvedEndpoint, request: AdminRequest): Promise<AdminResponse> {
  const url = new URL(endpoint.url);
  const search = new URLSearchParams(request.query ?? {}).toString();
  const options: aws4.Request & http.RequestOptions = {
    host: url.host,
    hostname: url.hostname,
    port: url.port || undefined,
    path: `${request.path}${search ? `?${search}` : ''}`,
    method: request.method,
    service: 's3',
    region: endpoint.region,
    headers: { ...(request.headers ?? {}) },
    body: request.body,
  };
  if (request.signed !== false) aws4.sign(options, { accessKeyId: endpoint.accessKey, secretAccessKey: endpoint.secretKey });
  const tls = url.protocol === 'https:';
  const transport = tls ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      { ...options, ...(tls && endpoint.caCert ? { ca: endpoint.caCert } : {}), timeout: request.timeoutMs ?? 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error(`no answer within ${request.timeoutMs ?? 10_000} ms`), { code: 'TIMEOUT' })),
    );
    // Node's own error (its code says what failed); core/s3/errors.ts maps it
    req.on('error', reject);
    req.end(request.body);
  });
}

/**
 * One admin-API request with a timeout, retried with exponential back-off
 * (the one retry policy of core/s3/errors.ts) while the failure is
 * retryable: a transport failure such as a refused connection or a timeout,
 * or a 5xx answer (a node restarting). A 4xx answer is returned at once; a
 * 5xx answer is returned once the attempts are used up; a transport failure
 * that outlasts them is thrown, mapped to an MpegflowError naming the endpoint.
 */
export async function adminRequest(endpoint: ResolvedEndpoint, request: AdminRequest): Promise<AdminResponse> {
  const target = { alias: endpoint.name, url: endpoint.url };
  let lastAnswer: { response: AdminResponse; error: MpegflowError } | undefined;
  try {
    return await withRetry(
      async () => {
        let response: AdminResponse;
        try {
          response = await send(endpoint, request);
        } catch (error) {
          throw storageFailure(error, target);
        }
        if (response.status >= 500 && response.headers['x-minio-server-status'] !== 'offline') {
          lastAnswer = { response, error: responseFailure(response, target) };
          throw lastAnswer.error;
        }
        return response;
      },
      { attempts: (request.retries ?? 2) + 1, baseMs: 250 },
    );
  } catch (error) {
    if (lastAnswer && error === lastAnswer.error) return lastAnswer.response;
    throw error;
  }
}

/**
 * A request whose answer is JSON: another status than 200, or an answer that
 * is not JSON (a proxy's error page), is the mapped error. `empty` is what an
 * empty answer means, when it may be empty.
 */
export async function adminJson<T>(
  endpoint: ResolvedEndpoint,
  request: AdminRequest,
  target: StorageTarget,
  shape: z.ZodType<T>,
  empty?: T,
): Promise<T> {
  const response = await adminRequest(endpoint, request);
  if (response.status !== 200) throw responseFailure(response, target);
  if (response.body.length === 0 && empty !== undefined) return empty;
  return adminAnswer(response, target, shape);
}

/** A successful answer's JSON, checked against what MpegFlow reads of it. */
export function adminAnswer<T>(response: AdminResponse, target: StorageTarget, shape: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(response.body.toString('utf8'));
  } catch {
    throw responseFailure({ ...response, status: 502 }, target);
  }
  const parsed = shape.safeParse(json);
  if (parsed.success) return parsed.data;
  throw unexpectedAnswer(target, parsed.error);
}

/** servers[0].drives[2].state */
function fieldPath(path: PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i > 0 ? '.' : ''}${String(key)}`)).join('') || 'the document';
}

/** A server that answers, but not what MinIO's admin API answers for this release: named to the field. */
function unexpectedAnswer(target: StorageTarget, error: z.ZodError): MpegflowError {
  const issue = error.issues[0]!;
  return new MpegflowError(
    `endpoint '${target.alias}'${target.url ? ` (${target.url})` : ''} answered ${target.action ? `"${target.action}"` : 'an admin request'} with a document MpegFlow cannot read: ${fieldPath(issue.path)}: ${issue.message}`,
    {
      code: 'ADMIN_ANSWER_UNEXPECTED',
      suggestion: `check that '${target.alias}' is a MinIO server (\`mpegflow endpoint test ${target.alias}\`) of a release MpegFlow supports`,
      details: { field: fieldPath(issue.path), problem: issue.message },
    },
  );
}
