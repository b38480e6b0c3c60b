import https from 'node:https';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MpegflowError, isMpegflowError } from '../errors.ts';
import { listWorkers } from '../jobs/workers.ts';
import type { Db } from '../store/open.ts';
import type { BrokerStatusAnswer } from './protocol.ts';
import { rateLimiter } from './rate-limit.ts';
import { BrokerRefusal, type BrokerService } from './service.ts';
import { tokenHost, touchToken } from './tokens.ts';

export interface BrokerServerOptions {
  db: Db;
  service: BrokerService;
  host: string;
  port: number;
  cert: Buffer;
  key: Buffer;
  version: string;
  rate?: { perSecond: number; burst: number };
  /** Each request answered, for the broker's own log (never a token, never a URL: those are grants). */
  onRequest?: (line: string) => void;
}

export interface RunningBroker {
  url: string;
  /** Requests answered so far. */
  requests(): number;
  /** Stops taking requests and waits for those under way (SIGTERM). */
  drain(): Promise<void>;
}

/** A JSON body of at most 1 MiB (a batch of log lines is the largest a worker sends). */
async function readJson(request: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1 << 20) throw new BrokerRefusal(413, 'the request body is larger than 1 MiB', 'BROKER_ERROR');
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
  } catch {
    throw new BrokerRefusal(400, 'the request body is not JSON', 'BROKER_ERROR');
  }
}

type Route = (host: string, params: string[], body: Record<string, unknown>, url: URL) => Promise<unknown>;

/**
 * The broker's HTTPS API. Every request carries a host's bearer token (checked against its sha256), is rate
 * limited per host (429 and Retry-After), and is routed to the service, which checks it against the queue.
 */
export async function startBrokerServer(options: BrokerServerOptions): Promise<RunningBroker> {
  const { db, service } = options;
  const startedAt = new Date().toISOString();
  const limiter = rateLimiter(options.rate ?? { perSecond: 200, burst: 400 });
  let requests = 0;
  const touched = new Map<string, number>();
  const body = <T>(value: Record<string, unknown>) => value as unknown as T;
  const routes: [string, RegExp, Route][] = [
    ['POST', /^\/v1\/workers$/, (host, _, b) => service.register(host, body(b))],
    ['POST', /^\/v1\/workers\/([^/]+)\/heartbeat$/, (host, [id]) => service.beat(host, id!)],
    ['POST', /^\/v1\/workers\/([^/]+)\/stop$/, (host, [id]) => service.stop(host, id!)],
    [
      'POST',
      /^\/v1\/workers\/([^/]+)\/count$/,
      (host, [id], b) => service.count(host, id!, b.outcome as 'done' | 'failed', Number(b.bytesStored ?? 0)),
    ],
    ['POST', /^\/v1\/claim$/, (host, _, b) => service.claim(host, String(b.workerId), Number(b.leaseMs))],
    ['POST', /^\/v1\/jobs\/(\d+)\/renew$/, (host, [id], b) => service.renew(host, Number(id), body(b))],
    ['POST', /^\/v1\/jobs\/(\d+)\/log$/, (host, [id], b) => service.log(host, Number(id), body(b))],
    ['POST', /^\/v1\/jobs\/(\d+)\/uploads$/, (host, [id], b) => service.recordUpload(host, Number(id), body(b))],
    [
      'POST',
      /^\/v1\/jobs\/(\d+)\/uploads\/([^/]+)\/forget$/,
      (host, [id, upload], b) => service.forgetUpload(host, Number(id), upload!, body(b)),
    ],
    ['POST', /^\/v1\/jobs\/(\d+)\/grants$/, (host, [id], b) => service.grants(host, Number(id), body(b))],
    ['POST', /^\/v1\/jobs\/(\d+)\/finish$/, (host, [id], b) => service.finish(host, Number(id), body(b))],
    ['POST', /^\/v1\/jobs\/(\d+)\/fail$/, (host, [id], b) => service.fail(host, Number(id), body(b))],
    [
      'GET',
      /^\/v1\/status$/,
      async (): Promise<BrokerStatusAnswer> => {
        const hosts = new Map<string, number>();
        for (const worker of await listWorkers(db))
          if (worker.mode === 'broker') hosts.set(worker.host, (hosts.get(worker.host) ?? 0) + (worker.status === 'alive' ? 1 : 0));
        return {
          startedAt,
          version: options.version,
          workers: [...hosts].map(([host, alive]) => ({ host, alive })),
          ...service.counters,
          requests,
        };
      },
    ],
  ];

  const send = (response: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
    const text = value === undefined ? '' : JSON.stringify(value);
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    response.end(text);
  };
  const refuse = (
    response: http.ServerResponse,
    status: number,
    code: string,
    message: string,
    suggestion?: string,
    headers?: Record<string, string>,
  ) => send(response, status, { error: { code, message, ...(suggestion ? { suggestion } : {}) } }, headers);

  const handle = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    requests++;
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const host = token ? await tokenHost(db, token) : undefined;
    const url = new URL(request.url ?? '/', 'https://broker');
    if (!host) {
      request.resume();
      options.onRequest?.(`401 ${request.method} ${url.pathname}: no valid token`);
      return refuse(response, 401, 'BROKER_TOKEN_REFUSED', 'no valid broker token', '`mpegflow broker token add HOST` on the broker host');
    }
    const wait = limiter.take(host);
    if (wait > 0) {
      request.resume();
      return refuse(response, 429, 'BROKER_BUSY', `host ${host} sends requests faster than the broker takes them`, undefined, {
        'retry-after': String(wait),
      });
    }
    if (Date.now() - (touched.get(host) ?? 0) > 60_000) {
      touched.set(host, Date.now());
      await touchToken(db, host);
    }
    const match = routes.find(([method, path]) => method === request.method && path.test(url.pathname));
    if (!match) {
      request.resume();
      return refuse(response, 404, 'BROKER_ERROR', `no such broker call: ${request.method} ${url.pathname}`);
    }
    const params = match[1].exec(url.pathname)!.slice(1).map(decodeURIComponent);
    try {
      const answer = await match[2](host, params, await readJson(request), url);
      send(response, 200, answer ?? {});
      options.onRequest?.(`200 ${request.method} ${url.pathname} (${host})`);
    } catch (error) {
      const status = error instanceof BrokerRefusal ? error.status : isMpegflowError(error) && !error.retryable ? 422 : 500;
      const known = isMpegflowError(error)
        ? error
        : new MpegflowError(error instanceof Error ? error.message : String(error), { code: 'BROKER_ERROR' });
      options.onRequest?.(`${status} ${request.method} ${url.pathname} (${host}): ${known.message}`);
      refuse(response, status, known.code, known.message, known.suggestion);
    }
  };

  const server = https.createServer({ cert: options.cert, key: options.key }, (request, response) => {
    void handle(request, response).catch((error: Error) => {
      if (!response.headersSent) refuse(response, 500, 'BROKER_ERROR', error.message);
      else response.destroy(error);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    requests: () => requests,
    drain: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
