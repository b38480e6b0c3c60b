import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import aws4 from 'aws4';
import { MpegflowError } from '../errors.ts';
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

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'TIMEOUT',
]);
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|EPROTO/;

/** A transport failure: the request never got an HTTP answer. */
export class TransportError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
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
        res.on('error', (e: NodeJS.ErrnoException) => reject(new TransportError(e.code ?? 'ECONNRESET', e.message)));
      },
    );
    req.on('timeout', () => req.destroy(new TransportError('TIMEOUT', `no answer within ${request.timeoutMs ?? 10_000} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) =>
      reject(e instanceof TransportError ? e : new TransportError(e.code ?? 'ERROR', e.message)),
    );
    req.end(request.body);
  });
}

/** Turns a transport failure into an error the operator can act on. */
export function transportError(endpoint: ResolvedEndpoint, error: TransportError): MpegflowError {
  const where = `endpoint '${endpoint.name}' (${endpoint.url})`;
  if (TLS_CODES.test(error.code) || TLS_CODES.test(error.message)) {
    return new MpegflowError(`${where}: the TLS connection failed (${error.code}: ${error.message})`, {
      code: 'TLS_FAILED',
      kind: 'external',
      suggestion: `if the server uses a private CA, give its certificate: mpegflow endpoint add ${endpoint.name} --replace --ca-cert CA.pem ...; check that the certificate names this host`,
    });
  }
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
    return new MpegflowError(`${where}: the host name does not resolve`, {
      code: 'HOST_NOT_FOUND',
      kind: 'external',
      suggestion: 'check the URL with `mpegflow endpoint show ' + endpoint.name + '` and the DNS of this host',
    });
  }
  if (error.code === 'ECONNREFUSED') {
    return new MpegflowError(`${where} refused the connection: nothing listens on that port`, {
      code: 'UNREACHABLE',
      kind: 'external',
      suggestion: 'check that MinIO runs there and the port in the URL is the S3 API port',
    });
  }
  if (error.code === 'TIMEOUT') {
    return new MpegflowError(`${where} did not answer in time`, {
      code: 'TIMEOUT',
      kind: 'external',
      suggestion: 'check the network path to the server, or raise --timeout',
    });
  }
  return new MpegflowError(`${where} is unreachable (${error.code}: ${error.message})`, {
    code: 'UNREACHABLE',
    kind: 'external',
    suggestion: 'check the URL and the network path to the server',
  });
}

/**
 * One admin-API request with a timeout, retried with exponential back-off on
 * transport failures and 5xx answers (a node restarting), never on 4xx.
 */
export async function adminRequest(endpoint: ResolvedEndpoint, request: AdminRequest): Promise<AdminResponse> {
  const retries = request.retries ?? 2;
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await send(endpoint, request);
      if (response.status < 500 || attempt >= retries || response.headers['x-minio-server-status'] === 'offline') return response;
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      if (!TRANSIENT_CODES.has(error.code) || attempt >= retries) throw transportError(endpoint, error);
    }
    await sleep(250 * 2 ** attempt);
  }
}
