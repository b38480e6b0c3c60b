import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'minio';
import { transportAgentOf } from '../endpoints/s3-client.ts';

/** One object as ffmpeg or ffprobe reads it through a relay; with an ETag, only that version is served (If-Match). */
export interface RelayedObject {
  client: Client;
  bucket: string;
  key: string;
  versionId?: string | null;
  etag?: string;
  /** How long each forwarded request is signed for (default 15 min: a request need only start in time, its body may take hours). */
  urlLifetimeSeconds?: number;
}

export interface SourceRelay {
  /** What ffmpeg opens: http://127.0.0.1:PORT/TOKEN/NAME. */
  readonly url: string;
  close(): Promise<void>;
}

const URL_LIFETIME_S = 15 * 60;

/** What ffmpeg reads of the store's answer: its length and range (seeking), type, and which version it is. */
const PASSED_ON = ['content-length', 'content-range', 'content-type', 'accept-ranges', 'etag', 'last-modified'];

/**
 * A loopback HTTP server through which ffmpeg reads one object. A presigned
 * URL on ffmpeg's command line is a bearer credential that any local user
 * reads in `ps`, usable from anywhere until it expires, and an encode slower
 * than its lifetime had its reconnects and later passes refused. The relay
 * signs each request it forwards afresh and passes on ffmpeg's Range; ffmpeg
 * sees only a random token, served on 127.0.0.1 while the encode runs. The
 * store's TLS is the endpoint's own client's (its private CA), not ffmpeg's.
 */
export async function openSourceRelay(object: RelayedObject): Promise<SourceRelay> {
  const route = `/${randomBytes(24).toString('base64url')}/${encodeURIComponent(path.posix.basename(object.key))}`;
  const server = http.createServer((request, response) => {
    if (request.url !== route) response.writeHead(404).end();
    else if (request.method !== 'GET') response.writeHead(405, { allow: 'GET' }).end();
    else void forward(object, request, response);
  });
  // a relay left open by a failure elsewhere must not keep the command from exiting
  server.unref();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}${route}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function forward(object: RelayedObject, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const fail = (status: number, why: string) => {
    if (response.headersSent) response.destroy();
    else response.writeHead(status, { 'content-type': 'text/plain' }).end(why);
  };
  let url: string;
  try {
    url = await object.client.presignedGetObject(
      object.bucket,
      object.key,
      object.urlLifetimeSeconds ?? URL_LIFETIME_S,
      object.versionId ? { versionId: object.versionId } : {},
    );
  } catch {
    fail(500, 'cannot sign the request');
    return;
  }
  const secure = url.startsWith('https:');
  const headers: Record<string, string> = {};
  if (request.headers.range) headers.range = request.headers.range;
  if (object.etag) headers['if-match'] = `"${object.etag}"`;
  const upstream = (secure ? https : http).get(url, {
    agent: transportAgentOf(object.client) ?? (secure ? https.globalAgent : http.globalAgent),
    headers,
  });
  // ffmpeg hung up (a seek, the end of a pass, a timeout): stop reading the store's answer
  response.on('close', () => {
    if (!response.writableFinished) upstream.destroy();
  });
  // the store unreachable, or gone mid-answer: ffmpeg reconnects on a 5xx, as it would to the store itself
  upstream.on('error', () => fail(502, 'the storage did not answer'));
  upstream.on('response', (answer) => {
    const passed = Object.fromEntries(PASSED_ON.flatMap((name) => (answer.headers[name] ? [[name, answer.headers[name]]] : [])));
    response.writeHead(answer.statusCode ?? 502, passed);
    pipeline(answer, response).catch(() => response.destroy());
  });
}
