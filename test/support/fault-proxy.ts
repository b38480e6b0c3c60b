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

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const forward = (client: net.Socket) => {
    const upstream = net.connect(options.targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => {
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
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
    relay(requests, upstream, options.requestBytesPerSecond);
    relay(upstream, client, options.bytesPerSecond);
  };
  const server = net.createServer((client) => {
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
