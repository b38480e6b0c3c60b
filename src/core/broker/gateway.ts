import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { UNSIGNED_PAYLOAD, type ObjectRequest, type RequestSigner } from '../s3/signer.ts';

/** A loopback S3 endpoint for the SDK calls of an encode (a stat, a marker, a cleanup) that a keyless host makes. */
export interface GrantGateway {
  /** http://127.0.0.1:PORT, for an S3 client with `accessKey` and `secretKey`. */
  url: string;
  accessKey: string;
  secretKey: string;
  close(): Promise<void>;
}

/** What is the client's own business or the gateway's, and not forwarded: the store gets the granted URL's authority. */
const NOT_FORWARDED = new Set(['authorization', 'host', 'connection', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token']);

const s3Refusal = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`)}</Message></Error>`;

/**
 * The S3 SDK signs with keys; a brokered worker has none. This gateway takes the SDK's requests on loopback,
 * signed with a throwaway key only this process knows, and forwards each to the store under a grant from
 * `signer` (the broker's presigned URL for exactly that request). A request outside the job's scope is
 * answered AccessDenied, as the store would. The data path (the relay, the uploader) does not pass through
 * here: it asks the signer itself.
 */
export async function openGrantGateway(signer: RequestSigner): Promise<GrantGateway> {
  const accessKey = `gateway-${randomBytes(8).toString('hex')}`;
  const secretKey = randomBytes(24).toString('base64url');
  const server = http.createServer((request, response) => {
    void forward(request, response).catch((error: Error) => {
      if (!response.headersSent) {
        response.writeHead(403, { 'content-type': 'application/xml' });
        response.end(s3Refusal('AccessDenied', error.message));
      } else response.destroy(error);
    });
  });
  const forward = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    if (!request.headers.authorization?.includes(`Credential=${accessKey}/`)) {
      response.writeHead(403, { 'content-type': 'application/xml' });
      response.end(s3Refusal('InvalidAccessKeyId', 'not a request of this worker'));
      request.resume();
      return;
    }
    const url = new URL(request.url ?? '/', 'http://gateway');
    const [bucket = '', ...rest] = url.pathname.slice(1).split('/').map(decodeURIComponent);
    const headers = Object.fromEntries(
      Object.entries(request.headers).flatMap(([name, value]) =>
        NOT_FORWARDED.has(name) || value === undefined ? [] : [[name, String(value)]],
      ),
    );
    const asked: ObjectRequest = {
      method: request.method as ObjectRequest['method'],
      bucket,
      key: rest.join('/'),
      query: Object.fromEntries(url.searchParams),
      headers,
    };
    const signed = await signer.sign(asked, UNSIGNED_PAYLOAD);
    const upstream = (signed.url.startsWith('https:') ? https : http).request(signed.url, {
      method: asked.method,
      headers: signed.headers,
      agent: signer.agent,
    });
    upstream.on('response', (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', (error) => response.destroy(error));
    request.pipe(upstream);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accessKey,
    secretKey,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
