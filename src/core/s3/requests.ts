import http from 'node:http';
import https from 'node:https';
import { errorDocument } from './errors.ts';
import type { ObjectRequest, RequestSigner } from './signer.ts';

/** Of an error answer, what says why: S3's XML; a load balancer's HTML page says nothing, its status does. */
const ERROR_BODY_MAX = 64 * 1024;

/** An error answer, shaped as the SDK's S3Error: the one storage-error boundary (errors.ts) reads both alike. */
export async function s3Error(response: http.IncomingMessage): Promise<Error> {
  const body = await readAnswer(response, ERROR_BODY_MAX);
  const status = response.statusCode ?? 0;
  const { code, message } = errorDocument({ status, headers: response.headers, body });
  return Object.assign(
    new Error(message || (status >= 500 || status === 408 || status === 429 ? `Retryable HTTP status: ${status}` : `HTTP ${status}`)),
    { name: 'S3Error', ...(code ? { code } : {}), amzRequestid: response.headers['x-amz-request-id'] },
  );
}

/** An answer's body, up to `max` bytes kept (the rest is read and dropped). */
export async function readAnswer(response: http.IncomingMessage, max = Infinity): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (length < max) chunks.push(chunk);
    length += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, max);
}

/** GETs a URL (a presigned one) through the signer's connection pool. */
export function getUrl(url: string, agent: http.Agent, options: { headers?: Record<string, string>; signal?: AbortSignal } = {}) {
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    (url.startsWith('https:') ? https : http).get(url, { agent, ...options }, resolve).on('error', reject);
  });
}

/**
 * Sends one signed request with its whole body and returns the answer when
 * it is a success; an error answer is read and thrown as an S3Error.
 */
export async function sendSigned(
  signer: RequestSigner,
  request: ObjectRequest,
  body: { bytes?: Buffer; sha256: string; signal?: AbortSignal },
): Promise<http.IncomingMessage> {
  const headers = { ...request.headers, 'content-length': String(body.bytes?.length ?? 0) };
  const signed = await signer.sign({ ...request, headers }, body.sha256);
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const sent = (signed.url.startsWith('https:') ? https : http).request(
      signed.url,
      { method: request.method, headers: signed.headers, agent: signer.agent, signal: body.signal },
      resolve,
    );
    sent.on('error', reject);
    sent.end(body.bytes);
  });
  if ((response.statusCode ?? 0) >= 300) throw await s3Error(response);
  return response;
}
