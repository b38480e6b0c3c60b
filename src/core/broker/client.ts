import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { MpegflowError } from '../errors.ts';
import { TLS_FAILED_CODES, TLS_UNTRUSTED_CODES } from '../s3/error-codes.ts';

/** How a worker reaches its broker: the URL, the CA that signed the broker's certificate (else the system's), its token. */
export interface BrokerConnection {
  url: string;
  ca?: Buffer;
  token: string;
}

/** The broker's answer when it refuses (its body), as the worker is told it. */
interface BrokerRefusal {
  error: { code: string; message: string; suggestion?: string };
}

/**
 * JSON over HTTPS to the broker, with the host's bearer token. Every failure becomes an MpegflowError the
 * worker can act on: the broker away (retried later), its certificate not trusted or the token refused
 * (never retried: an operator must act), and 429s waited out as the broker asks.
 */
export class BrokerClient {
  readonly url: URL;
  readonly #agent: https.Agent;
  readonly #token: string;

  constructor(connection: BrokerConnection) {
    this.url = new URL(connection.url);
    if (this.url.protocol !== 'https:') {
      throw new MpegflowError(`the broker URL ${connection.url} is not https://`, {
        code: 'USAGE',
        suggestion: 'the broker hands out storage grants: it listens on HTTPS only (https://HOST:PORT)',
      });
    }
    this.#agent = new https.Agent({ keepAlive: true, ...(connection.ca ? { ca: connection.ca } : {}) });
    this.#token = connection.token;
  }

  async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    for (;;) {
      const { status, headers, text } = await this.#send(method, path, body, signal);
      if (status === 429) {
        const wait = Number(headers['retry-after'] ?? 1);
        await sleep(Math.min(30, Number.isFinite(wait) ? wait : 1) * 1000, undefined, { signal });
        continue;
      }
      if (status >= 200 && status < 300) return (text ? JSON.parse(text) : undefined) as T;
      throw this.#refusal(status, text);
    }
  }

  close(): void {
    this.#agent.destroy();
  }

  #send(
    method: string,
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const request = https.request(
        new URL(path, this.url),
        {
          method,
          agent: this.#agent,
          signal,
          timeout: 30_000,
          headers: {
            authorization: `Bearer ${this.#token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString() }),
          );
          response.on('error', (error) => reject(this.#unreachable(error)));
        },
      );
      request.on('timeout', () => request.destroy(Object.assign(new Error('no answer in 30 s'), { code: 'ETIMEDOUT' })));
      request.on('error', (error) => reject(this.#unreachable(error)));
      request.end(payload);
    });
  }

  #unreachable(error: Error & { code?: string }): Error {
    if (error.name === 'AbortError') return error;
    const code = error.code ?? '';
    if (TLS_UNTRUSTED_CODES.test(code)) {
      return new MpegflowError(`the broker at ${this.url.origin} presented a certificate this host does not trust (${code})`, {
        code: 'TLS_UNTRUSTED',
        suggestion: "give the CA that signed the broker's certificate with --broker-ca FILE (PEM)",
      });
    }
    if (TLS_FAILED_CODES.test(code)) {
      return new MpegflowError(`no TLS session with the broker at ${this.url.origin} (${code}: ${error.message})`, {
        code: 'TLS_FAILED',
        suggestion: 'check that the URL names the broker’s HTTPS port',
      });
    }
    return new MpegflowError(`the broker at ${this.url.origin} cannot be reached (${code || error.message})`, {
      code: 'BROKER_UNREACHABLE',
      retry: 'later',
      suggestion: 'check that `mpegflow broker` runs there and this host reaches it; the worker keeps trying',
    });
  }

  #refusal(status: number, text: string): MpegflowError {
    let refusal: BrokerRefusal | undefined;
    try {
      refusal = JSON.parse(text) as BrokerRefusal;
    } catch {
      refusal = undefined;
    }
    const said = refusal?.error;
    if (status === 401) {
      return new MpegflowError(`the broker at ${this.url.origin} refused this host's token`, {
        code: 'BROKER_TOKEN_REFUSED',
        suggestion:
          'on the broker host, `mpegflow broker token add HOST` issues one (it may have been revoked); give it in MPEGFLOW_BROKER_TOKEN or --broker-token-file',
      });
    }
    return new MpegflowError(said?.message ?? `the broker answered ${status}`, {
      code:
        said?.code === 'BROKER_GRANT_REFUSED' || said?.code === 'LEASE_LOST' || said?.code === 'PUBLISH_FAILED'
          ? said.code
          : 'BROKER_ERROR',
      retry: status >= 500 ? 'later' : 'never',
      ...(said?.suggestion ? { suggestion: said.suggestion } : {}),
    });
  }
}
