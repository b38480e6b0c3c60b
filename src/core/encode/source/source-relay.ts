import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { RequestSigner } from '../../s3/signer.ts';
import { HeadReader, type HttpHead } from './http-head.ts';

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

/** What ffmpeg reads of the store's answer: its length and range (seeking), framing, type and encoding, and which version it is. */
const PASSED_ON = [
  'content-length',
  'content-range',
  'transfer-encoding',
  'content-type',
  'content-encoding',
  'accept-ranges',
  'etag',
  'last-modified',
];

/** What the relay reads from the store at once: 16 times Node's 64 KiB, so passing it on costs 16 times fewer system calls. */
const READ_BYTES = 1024 * 1024;

/** A Range ffmpeg may ask for (one range, or a start): nothing else reaches the store's request. */
const RANGE = /^bytes=\d*-\d*$/;

/**
 * A loopback HTTP server through which ffmpeg reads one object. A presigned
 * URL on ffmpeg's command line is a bearer credential that any local user
 * reads in `ps`, usable from anywhere until it expires, and an encode slower
 * than its lifetime had its reconnects and later passes refused. The relay
 * signs each request it forwards afresh and passes on ffmpeg's Range; ffmpeg
 * sees only a random token, served on 127.0.0.1 while the encode runs, and
 * only to processes of this user (the token is on ffmpeg's command line too).
 * The store's TLS is the endpoint's own client's (its private CA), not ffmpeg's.
 *
 * Both sides speak HTTP/1.1 one request a connection, and the relay reads only
 * the heads: the store's body goes to ffmpeg as it came, framing and all, read
 * a megabyte at a time into reused buffers (Node's HTTP modules read 64 KiB
 * into new ones and parse each, which cost the relay 3.3 CPU-s a GiB).
 */
export async function openSourceRelay(object: RelayedObject): Promise<SourceRelay> {
  const route = `/${randomBytes(24).toString('base64url')}/${encodeURIComponent(path.posix.basename(object.key))}`;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    return socket;
  };
  // no Nagle: the last short segment of an answer would wait for the peer's delayed ACK (40 ms a request)
  const server = net.createServer({ noDelay: true }, (client) => {
    track(client).on('error', () => client.destroy());
    // looked up while the request is forwarded: the store's answer waits for it, not the request
    const allowed = samePeerUser(client);
    const reader = new HeadReader();
    const onData = (bytes: Buffer) => {
      let read;
      try {
        read = reader.push(bytes);
      } catch {
        return answer(client, 431, 'Request Header Fields Too Large');
      }
      if (!read) return;
      client.off('data', onData);
      // what follows the head (a body, or a second request ffmpeg never sends) is read and dropped
      client.resume();
      const { start, headers } = read.head;
      if (start[1] !== route) answer(client, 404, 'Not Found');
      else if (start[0] !== 'GET') answer(client, 405, 'Method Not Allowed', 'allow: GET\r\n');
      else void forward(object, { range: headers.get('range'), client, allowed }, track);
    };
    client.on('data', onData);
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
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** A head-only answer to ffmpeg; the reason phrase, which ffmpeg prints, says why (an error code, never a URL). */
function answer(client: net.Socket, status: number, reason: string, extra = ''): void {
  if (client.destroyed) return;
  client.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-length: 0\r\n${extra}connection: close\r\n\r\n`);
}

/** ffmpeg's request: its connection, its Range, and whether it comes from a process of this user. */
interface ClientRequest {
  client: net.Socket;
  range: string | undefined;
  allowed: Promise<boolean>;
}

async function forward(
  object: RelayedObject,
  { client, range, allowed }: ClientRequest,
  track: (socket: net.Socket) => net.Socket,
): Promise<void> {
  let url: URL;
  try {
    url = new URL(
      await object.signer.presign(
        { method: 'GET', bucket: object.bucket, key: object.key, query: object.versionId ? { versionId: object.versionId } : {} },
        object.urlLifetimeSeconds ?? URL_LIFETIME_S,
      ),
    );
  } catch {
    return answer(client, 500, 'Cannot Sign The Request');
  }
  if (client.destroyed) return;
  const request = [
    `GET ${url.pathname}${url.search} HTTP/1.1`,
    `host: ${url.host}`,
    ...(range && RANGE.test(range) ? [`range: ${range}`] : []),
    ...(object.etag ? [`if-match: "${object.etag}"`] : []),
    'connection: close',
  ];
  const reader = new HeadReader();
  const buffers = new ReadBuffers();
  /** Body bytes read while the peer's user is looked up; over TLS, reads go on for a while after a pause. */
  let held: Array<[bytes: Buffer, read?: Buffer]> | undefined;
  let headRead = false;
  let ended = false;
  let remaining = Infinity;
  /** Passes body bytes on; `read`, the buffer they were read into, is read into again once ffmpeg's socket has taken them. */
  const toClient = (bytes: Buffer, read?: Buffer): boolean => {
    const body = bytes.subarray(0, Math.min(bytes.length, remaining));
    remaining -= body.length;
    const more = client.write(body, () => read && buffers.give(read));
    if (remaining === 0) {
      client.end();
      store.destroy();
    }
    return more;
  };
  const onRead = (length: number, buffer: Buffer): boolean => {
    if (held) return (held.push(buffers.chunk(buffer, length)), false);
    if (headRead) return toClient(...buffers.chunk(buffer, length));
    let read;
    try {
      // the head reader keeps a copy
      read = reader.push(buffer.subarray(0, length));
    } catch {
      store.destroy();
      answer(client, 502, 'Bad Gateway (not an HTTP answer)');
      return false;
    } finally {
      buffers.give(buffer);
    }
    if (!read) return true;
    const { head, rest } = read;
    headRead = true;
    remaining = bodyLength(head);
    held = [[rest]];
    void allowed.then((ok) => {
      if (!ok) {
        store.destroy();
        return answer(client, 403, 'Forbidden (a process of another user)');
      }
      client.write(clientHead(head));
      const more = held!.map(([bytes, from]) => toClient(bytes, from)).at(-1);
      held = undefined;
      if (ended) client.end();
      else if (more) store.resume();
    });
    return false;
  };
  const store = track(connectTo(url, object.signer.agent as https.Agent, { buffer: () => buffers.take(), callback: onRead }));
  // written at once: the socket holds it until it is connected (and, over TLS, until the session is up)
  store.write(`${request.join('\r\n')}\r\n\r\n`);
  store.on('end', () => {
    ended = true;
    if (!headRead) answer(client, 502, 'Bad Gateway (the storage closed the connection)');
    else if (!held) client.end();
  });
  store.on('error', (error: NodeJS.ErrnoException) => {
    // the store unreachable, or gone mid-answer: ffmpeg reconnects on a 5xx, as it would to the store itself
    if (headRead) client.destroy();
    else answer(client, 502, `Bad Gateway (${/^[\w.-]{1,64}$/.test(error.code ?? '') ? error.code : 'no answer from the storage'})`);
  });
  client.on('drain', () => store.resume());
  // ffmpeg hung up (a seek, the end of a pass, a timeout): stop reading the store's answer
  client.on('close', () => store.destroy());
}

/**
 * The buffers the store's answer is read into, a megabyte each: taken for a
 * read, given back once ffmpeg's socket has taken the bytes. Reused, they cost
 * no allocation, page faults or garbage collection a read, nor a copy.
 */
class ReadBuffers {
  private readonly free: Buffer[] = [];
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(READ_BYTES);
  }
  give(buffer: Buffer): void {
    this.free.push(buffer);
  }
  /**
   * A read's bytes and the buffer to give back once they are passed on; a
   * short read (TLS delivers 16 KiB records) is copied and its buffer given
   * back now, so that a slow reader does not hold a megabyte for each.
   */
  chunk(buffer: Buffer, length: number): [bytes: Buffer, read?: Buffer] {
    if (length >= READ_BYTES / 8) return [buffer.subarray(0, length), buffer];
    this.give(buffer);
    return [Buffer.copyBytesFrom(buffer, 0, length)];
  }
}

type OnRead = { buffer: () => Buffer; callback: (length: number, buffer: Buffer) => boolean };

/** The relay's socket to the store, reading into the given buffers; over TLS with the endpoint's own CA. */
function connectTo(url: URL, agent: https.Agent, onread: OnRead): net.Socket {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol === 'http:') return net.connect({ host, port: Number(url.port || 80), noDelay: true, onread });
  // tls.connect takes onread as net.connect does (Node's documentation); @types/node does not list it
  const options: tls.ConnectionOptions & Pick<net.TcpNetConnectOpts, 'noDelay' | 'onread'> = {
    noDelay: true,
    host,
    port: Number(url.port || 443),
    servername: net.isIP(host) ? undefined : host,
    ca: agent.options.ca,
    onread,
  };
  return tls.connect(options);
}

/** The body's length as the store framed it: a number, or until the connection ends (chunked or unframed). */
function bodyLength(head: HttpHead): number {
  const status = Number(head.start[1]);
  if (status === 204 || status === 304) return 0;
  const length = head.headers.get('content-length');
  return length !== undefined && !head.headers.has('transfer-encoding') && /^\d+$/.test(length) ? Number(length) : Infinity;
}

/** The store's status and what ffmpeg reads of its headers, on a connection that ends with the body. */
function clientHead(head: HttpHead): string {
  const lines = [`HTTP/1.1 ${head.start[1]} ${head.start[2]}`];
  for (const name of PASSED_ON) {
    const value = head.headers.get(name);
    if (value !== undefined) lines.push(`${name}: ${value}`);
  }
  return `${lines.join('\r\n')}\r\nconnection: close\r\n\r\n`;
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
