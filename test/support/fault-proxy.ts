import { Transform, type Readable } from 'node:stream';
import net from 'node:net';

/**
 * A TCP proxy in front of a real MinIO for network-fault tests: it can slow
 * responses down and cut the connections that are open (as a flaky WAN link
 * would), or refuse new ones. Requests pass through unchanged, so presigned
 * URLs made for the proxy's host:port validate at MinIO.
 */
export interface FaultProxy {
  port: number;
  url: string;
  /** Connections accepted so far. */
  connections: () => number;
  /** Drops every open connection now (new ones still pass). */
  cutAll: () => number;
  close: () => Promise<void>;
}

export interface FaultProxyOptions {
  targetPort: number;
  /** Host the proxy connects to (default 127.0.0.1), e.g. a MinIO in a network namespace. */
  targetHost?: string;
  /**
   * Milliseconds each chunk is held, in each direction, before it is passed on (in order): a delay line, as a
   * long link's propagation delay (10 each way makes a 20 ms round trip). It caps no rate: what is in flight is
   * held, and a side is paused only when the other pushes back. Not combined with the byte rates.
   */
  delayMs?: number;
  /** Response bytes per second per connection (default: unlimited). */
  bytesPerSecond?: number;
  /** Request bytes per second per connection (uploads; default: unlimited). */
  requestBytesPerSecond?: number;
  /**
   * Requests this matches (their first bytes, e.g. the method) are accepted and never answered, as by a hung
   * node, and so is all that follows on their connection (a kept-alive connection may carry other requests first).
   */
  hangOn?: (request: string) => boolean;
  /**
   * Asked of each chunk of request body (a chunk with no request line in it): true flips one of its bits on
   * the way, as a bad NIC or a meddling proxy would.
   */
  damageBody?: () => boolean;
}

/** Forwards `from` to `to`, pausing after each chunk so that at most `rate` bytes a second pass (all, without a rate). */
function relay(from: Readable, to: net.Socket, rate?: number): void {
  if (!rate) {
    from.pipe(to);
    return;
  }
  from.on('data', (chunk: Buffer) => {
    to.write(chunk);
    from.pause();
    setTimeout(() => from.resume(), (chunk.length / rate) * 1000);
  });
}

/** Writes at most this much ahead of a peer that does not read: then the sender is paused until it drains. */
const DELAY_LINE_LIMIT = 32 * 1024 * 1024;

/** Forwards `from` to `to`, each chunk `delayMs` after it arrived, order kept. */
function delayLine(from: Readable, to: net.Socket, delayMs: number): void {
  const queue: { due: number; chunk: Buffer }[] = [];
  let held = 0;
  let ended = false;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.due <= now) {
      const { chunk } = queue.shift()!;
      held -= chunk.length;
      if (!to.destroyed) to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(flush, queue[0]!.due - now);
    else if (ended && !to.destroyed) to.end();
    if (from.isPaused() && held + to.writableLength < DELAY_LINE_LIMIT / 2) from.resume();
  };
  from.on('data', (chunk: Buffer) => {
    queue.push({ due: performance.now() + delayMs, chunk });
    held += chunk.length;
    timer ??= setTimeout(flush, delayMs);
    if (held + to.writableLength >= DELAY_LINE_LIMIT) from.pause();
  });
  to.on('drain', () => {
    if (from.isPaused() && held + to.writableLength < DELAY_LINE_LIMIT / 2) from.resume();
  });
  from.on('end', () => {
    ended = true;
    if (queue.length === 0 && !timer && !to.destroyed) to.end();
  });
  to.on('close', () => clearTimeout(timer));
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const forward = (client: net.Socket) => {
    const upstream = net.connect({
      port: options.targetPort,
      host: options.targetHost ?? '127.0.0.1',
      allowHalfOpen: Boolean(options.delayMs),
    });
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    // a delay line passes a side's end on after what it still holds (the sockets are half-open); else a close closes both
    client.on('close', () => {
      sockets.delete(client);
      if (!options.delayMs) upstream.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      if (!options.delayMs) client.destroy();
    });
    client.on('error', end);
    upstream.on('error', end);
    const { hangOn, damageBody } = options;
    let hung = false;
    const requests =
      hangOn || damageBody
        ? client.pipe(
            new Transform({
              transform(chunk: Buffer, _encoding, done) {
                const text = chunk.toString('latin1');
                hung ||= hangOn?.(text) ?? false;
                if (!hung && damageBody && !/ HTTP\/1\.1\r\n/.test(text) && damageBody()) chunk[chunk.length >> 1]! ^= 0x01;
                done(null, hung ? undefined : chunk);
              },
            }),
          )
        : client;
    if (options.delayMs) {
      delayLine(requests, upstream, options.delayMs);
      delayLine(upstream, client, options.delayMs);
    } else {
      relay(requests, upstream, options.requestBytesPerSecond);
      relay(upstream, client, options.bytesPerSecond);
    }
  };
  const server = net.createServer({ allowHalfOpen: Boolean(options.delayMs) }, (client) => {
    accepted++;
    forward(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    connections: () => accepted,
    cutAll: () => {
      const open = sockets.size;
      for (const socket of sockets) socket.destroy();
      return open;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
