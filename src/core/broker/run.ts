import { readFile } from 'node:fs/promises';
import type { AuditContext } from '../audit/context.ts';
import { listEndpointRows, resolveRow } from '../endpoints/repository.ts';
import { storageResolver } from '../endpoints/storage.ts';
import { MpegflowError } from '../errors.ts';
import { encodeEntitlements } from '../license/encode-allowance.ts';
import type { Db } from '../store/open.ts';
import { startBrokerServer } from './server.ts';
import { brokerService } from './service.ts';

/** What a broker run did, when SIGTERM ended it. */
export interface BrokerRun {
  url: string;
  requests: number;
  grantsIssued: number;
  grantsRefused: number;
}

export function parseListen(listen: string): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(listen);
  const port = Number(match?.[2]);
  if (!match || !match[1] || port > 65535) {
    throw new MpegflowError(`--listen ${listen} is not HOST:PORT`, {
      code: 'USAGE',
      suggestion: 'e.g. --listen 0.0.0.0:8443 or --listen [::]:8443',
    });
  }
  return { host: match[1], port };
}

async function readPem(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new MpegflowError(`cannot read the broker's ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      code: 'INVALID_INPUT',
      suggestion: 'give a PEM file the broker’s user can read',
    });
  }
}

/**
 * Serves until interrupted: the endpoints' keys are resolved once (a host that lacks one says so now, not at a
 * worker's first grant), the license's limits apply to the whole pool, and SIGTERM drains what is under way.
 */
export async function runBroker(
  options: { host: string; port: number; certFile: string; keyFile: string; rate: number; graceSeconds: number; version: string },
  deps: {
    db: Db;
    audit: AuditContext;
    say: (line: string) => void;
    interruptible: <R>(work: (signal: AbortSignal) => Promise<R>) => Promise<R>;
  },
): Promise<BrokerRun> {
  const { db } = deps;
  const cert = await readPem(options.certFile, 'certificate');
  const key = await readPem(options.keyFile, 'private key');
  const endpoints = new Map((await listEndpointRows(db)).map((row) => [row.name, resolveRow(row, process.env)] as const));
  const entitlements = await encodeEntitlements(db);
  const service = brokerService({
    db,
    audit: deps.audit,
    storage: await storageResolver(db),
    endpoints,
    poolLimit: entitlements.limits.concurrentEncodes,
    maxOutputLines: entitlements.limits.maxResolution,
    graceSeconds: options.graceSeconds,
  });
  let running;
  try {
    running = await startBrokerServer({
      db,
      service,
      host: options.host,
      port: options.port,
      cert,
      key,
      version: options.version,
      rate: { perSecond: options.rate, burst: options.rate * 2 },
      onRequest: (line) => {
        if (!line.startsWith('200 ')) deps.say(line);
      },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MpegflowError(`the broker cannot listen on ${options.host}:${options.port} (${code ?? (error as Error).message})`, {
      code: 'INVALID_INPUT',
      suggestion:
        code === 'EADDRINUSE'
          ? 'another process listens there: pick another port'
          : 'check the address, and the certificate and key (PEM, matching)',
    });
  }
  deps.say(`broker listening on ${running.url} (${endpoints.size} endpoint(s): ${[...endpoints.keys()].join(', ') || 'none'})`);
  await deps.interruptible((signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })));
  await running.drain();
  return { url: running.url, requests: running.requests(), ...service.counters };
}
