import type http from 'node:http';
import aws4 from 'aws4';

/** One request to an S3 store, before it is authorised. `key` '' addresses the bucket. */
export interface ObjectRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  bucket: string;
  key: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface SignedRequest {
  url: string;
  /** What to send: the request's own headers with its authorisation. */
  headers: Record<string, string>;
}

/** The body's sha256 is not part of the signature; the store checks the body by other means (a signed checksum header). */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/**
 * Where the authority for a request to the store comes from. The host signer
 * holds the endpoint's keys; a signer that holds none (a broker's grants)
 * answers the same calls, so the relay, the sinks and the uploader never know
 * which they have.
 */
export interface RequestSigner {
  /** The connection pool requests go through (with the endpoint's private CA). */
  readonly agent: http.Agent;
  /** Headers authorising this request; `payloadSha256` is the body's sha256 (hex) or UNSIGNED_PAYLOAD. */
  sign(request: ObjectRequest, payloadSha256: string): Promise<SignedRequest>;
  /** A URL granting exactly this request to whoever holds it, for `seconds`. */
  presign(request: ObjectRequest, seconds: number): Promise<string>;
}

/** The connection to one store and the keys held on this host. */
export interface S3Connection {
  /** The endpoint's alias. */
  name: string;
  /** Base URL, e.g. http://127.0.0.1:9000 (no path). */
  url: string;
  accessKey: string;
  secretKey: string;
  region: string;
}

/** RFC 3986 as S3 canonicalises it: encodeURIComponent leaves !'()* alone. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** /BUCKET/KEY, path-style, each segment encoded (a key's slashes kept). */
export function objectPath(bucket: string, key: string): string {
  return `/${encodeSegment(bucket)}${key ? `/${key.split('/').map(encodeSegment).join('/')}` : ''}`;
}

/** Signs with the endpoint's keys held on this host (SigV4 by aws4). */
export function hostSigner(connection: S3Connection, agent: http.Agent): RequestSigner {
  const base = new URL(connection.url);
  const credentials = { accessKeyId: connection.accessKey, secretAccessKey: connection.secretKey };
  const prepare = (request: ObjectRequest, query: Record<string, string>, headers: Record<string, string>) => {
    const search = new URLSearchParams(query).toString().replace(/\+/g, '%20');
    return {
      host: base.host,
      path: `${objectPath(request.bucket, request.key)}${search ? `?${search}` : ''}`,
      method: request.method,
      service: 's3',
      region: connection.region,
      headers,
    } as aws4.Request & { path: string; headers: Record<string, string> };
  };
  return {
    agent,
    sign(request, payloadSha256) {
      const signed = aws4.sign(
        prepare(request, request.query ?? {}, { ...request.headers, 'x-amz-content-sha256': payloadSha256 }),
        credentials,
      ) as { path: string; headers: Record<string, string | number> };
      const headers = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name, String(value)]));
      return Promise.resolve({ url: `${base.origin}${signed.path}`, headers });
    },
    presign(request, seconds) {
      const signed = aws4.sign(
        { ...prepare(request, { ...request.query, 'X-Amz-Expires': String(seconds) }, { ...request.headers }), signQuery: true },
        credentials,
      ) as { path: string };
      return Promise.resolve(`${base.origin}${signed.path}`);
    },
  };
}
