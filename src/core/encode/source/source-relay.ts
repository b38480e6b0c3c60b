import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { RequestSigner } from '../../s3/signer.ts';

/** One object as ffmpeg or ffprobe reads it through a relay; with an ETag, only that version is served (If-Match). */
export interface RelayedObject {
  signer: RequestSigner;
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

/** ffmpeg's HTTP input options for a relay URL: straight to 127.0.0.1, never through the environment's http_proxy (which ffmpeg would ask for loopback too). */
export const RELAY_INPUT_ARGS = ['-http_proxy', ''];

const URL_LIFETIME_S = 15 * 60;

/** What ffmpeg reads of the store's answer: its length and range (seeking), type and encoding, and which version it is. */
const PASSED_ON = ['content-length', 'content-range', 'content-type', 'content-encoding', 'accept-ranges', 'etag', 'last-modified'];

/**
 * A loopback HTTP server through which ffmpeg reads one object. A presigned
 * URL on ffmpeg's command line is a bearer credential that any local user
 * reads in `ps`, usable from anywhere until it expires, and an encode slower
 * than its lifetime had its reconnects and later passes refused. The relay
 * signs each request it forwards afresh and passes on ffmpeg's Range; ffmpeg
 * sees only a random token, served on 127.0.0.1 while the encode runs, and
 * only to processes of this user (the token is on ffmpeg's command line too).
 * The store's TLS is the endpoint's own client's (its private CA), not ffmpeg's.
 */
export async function openSourceRelay(object: RelayedObject): Promise<SourceRelay> {
  const route = `/${randomBytes(24).toString('base64url')}/${encodeURIComponent(path.posix.basename(object.key))}`;
  const upstreams = new Set<http.ClientRequest>();
  const peers = new WeakMap<net.Socket, Promise<boolean>>();
  const server = http.createServer((request, response) => {
    const socket = request.socket;
    let allowed = peers.get(socket);
    if (!allowed) peers.set(socket, (allowed = samePeerUser(socket)));
    void allowed.then((ok) => {
      if (!ok) response.writeHead(403, 'Forbidden (a process of another user)', { connection: 'close' }).end();
      else if (request.url !== route) response.writeHead(404).end();
      else if (request.method !== 'GET') response.writeHead(405, { allow: 'GET' }).end();
      else void forward(object, request, response, upstreams);
    });
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
        for (const upstream of upstreams) upstream.destroy();
      }),
  };
}

async function forward(
  object: RelayedObject,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  upstreams: Set<http.ClientRequest>,
): Promise<void> {
  let upstream: http.ClientRequest | undefined;
  // ffmpeg hung up (a seek, the end of a pass, a timeout): stop reading the store's answer
  response.on('close', () => {
    if (!response.writableFinished) upstream?.destroy();
  });
  // the reason phrase, which ffmpeg prints, says why (an error code, never a URL)
  const fail = (status: number, why: string) => {
    if (response.headersSent || response.destroyed) response.destroy();
    else response.writeHead(status, why, { 'content-type': 'text/plain' }).end();
  };
  let url: string;
  try {
    url = await object.signer.presign(
      { method: 'GET', bucket: object.bucket, key: object.key, query: object.versionId ? { versionId: object.versionId } : {} },
      object.urlLifetimeSeconds ?? URL_LIFETIME_S,
    );
  } catch {
    fail(500, 'Cannot Sign The Request');
    return;
  }
  if (response.destroyed) return;
  const secure = url.startsWith('https:');
  const headers: Record<string, string> = {};
  if (request.headers.range) headers.range = request.headers.range;
  if (object.etag) headers['if-match'] = `"${object.etag}"`;
  const send = (again: boolean) => {
    const sent = (secure ? https : http).get(url, { agent: object.signer.agent, headers });
    upstream = sent;
    upstreams.add(sent);
    sent.on('close', () => upstreams.delete(sent));
    sent.on('error', (error: NodeJS.ErrnoException) => {
      // a kept-alive connection the store (or a balancer) had just closed: Node's advice is to send once more
      if (!again && sent.reusedSocket && error.code === 'ECONNRESET' && !response.headersSent && !response.destroyed) return send(true);
      // the store unreachable, or gone mid-answer: ffmpeg reconnects on a 5xx, as it would to the store itself
      fail(502, `Bad Gateway (${/^[\w.-]{1,64}$/.test(error.code ?? '') ? error.code : 'no answer from the storage'})`);
    });
    sent.on('response', (answer) => {
      const passed = Object.fromEntries(PASSED_ON.flatMap((name) => (answer.headers[name] ? [[name, answer.headers[name]]] : [])));
      response.writeHead(answer.statusCode ?? 502, passed);
      pipeline(answer, response).catch(() => response.destroy());
    });
  };
  send(false);
}

/** 127.0.0.1 as the kernel writes it in /proc/net/tcp: the address in host byte order. */
const LOOPBACK_HEX = os.endianness() === 'LE' ? '0100007F' : '7F000001';

/**
 * Whether the other end of a loopback connection is a process of this user
 * (or root), from the kernel's socket table: the token is on ffmpeg's command
 * line, which other users read. Where the table cannot be read or does not
 * list this connection at all (not Linux; WSL 1 lists none), the token alone
 * guards. The table is read a second time before a refusal: a busy host's
 * table changes while it is read.
 */
async function samePeerUser(socket: net.Socket): Promise<boolean> {
  const hex = (port: number | undefined) => `${LOOPBACK_HEX}:${(port ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  const [peer, relay] = [hex(socket.remotePort), hex(socket.localPort)];
  for (let reading = 0; reading < 2; reading++) {
    let table: string;
    try {
      table = await readFile('/proc/net/tcp', 'latin1');
    } catch {
      return true;
    }
    const at = table.indexOf(` ${peer} ${relay} `);
    if (at >= 0) {
      // sl local rem st tx:rx tr:when retrnsmt uid ...
      const uid = Number(
        table
          .slice(table.lastIndexOf('\n', at) + 1, table.indexOf('\n', at))
          .trim()
          .split(/\s+/)[7],
      );
      return uid === 0 || uid === process.getuid?.();
    }
    if (!table.includes(` ${relay} ${peer} `) && reading === 1) return true;
  }
  return false;
}
