import http from 'node:http';
import https from 'node:https';
import { isMpegflowError } from '../errors.ts';
import { withRetry } from '../retry.ts';
import type { ObjectRequest, RequestSigner, SignedRequest } from '../s3/signer.ts';
import type { BrokerClient } from './client.ts';
import { isBindableHeader } from './grant-scope.ts';
import type { Grant, GrantedStore, GrantsAnswer, GrantRequest } from './protocol.ts';

/** The lease a grant is asked under: the broker signs only for the job's current lease generation. */
export interface GrantLease {
  jobId: number;
  generation: number;
  attempts: number;
}

/** Grants are asked again this long before they end, so a request never leaves with one about to lapse. */
const RENEW_BEFORE_MS = 15_000;

/** How long a grant is asked for while the broker does not answer (restarting, a network blip). */
const BROKER_PATIENCE_MS = 60_000;

/**
 * A signer that holds no keys: each request is presigned by the broker, inside the job's scope (its source,
 * its lease's staging), or refused. A URL is kept and reused for the same request while it lives (the
 * source's reads, all of one URL, cost one round trip), so the store sees exactly what the broker allowed.
 */
export function grantSigner(broker: BrokerClient, lease: GrantLease, store: GrantedStore): RequestSigner & { close(): void } {
  const agent = store.url.startsWith('https:')
    ? new https.Agent({ keepAlive: true, ...(store.caCert ? { ca: store.caCert } : {}) })
    : new http.Agent({ keepAlive: true });
  const granted = new Map<string, Promise<Grant>>();
  const grant = (request: ObjectRequest): Promise<Grant> => {
    const asked: GrantRequest = {
      method: request.method,
      bucket: request.bucket,
      key: request.key,
      query: request.query ?? {},
      headers: Object.keys(request.headers ?? {}).map((name) => name.toLowerCase()),
      // what checks the body (its CRC32) is bound into the URL: the store refuses a body that does not match it
      signedHeaders: Object.fromEntries(Object.entries(request.headers ?? {}).filter(([name]) => isBindableHeader(name.toLowerCase()))),
    };
    const id = JSON.stringify([
      asked.method,
      asked.bucket,
      asked.key,
      Object.entries(asked.query ?? {}).sort(),
      asked.headers?.includes('x-amz-copy-source'),
      Object.entries(asked.signedHeaders ?? {}).sort(),
    ]);
    const cached = granted.get(id);
    const fresh = async () => {
      // a broker restarting is waited out (as long as a lease lasts), not an upload's failure
      const deadline = Date.now() + BROKER_PATIENCE_MS;
      const answer = await withRetry(
        () =>
          broker.call<GrantsAnswer>('POST', `/v1/jobs/${lease.jobId}/grants`, {
            generation: lease.generation,
            attempts: lease.attempts,
            requests: [asked],
          }),
        {
          attempts: Infinity,
          baseMs: 250,
          capMs: 2_000,
          retryIf: (error) => isMpegflowError(error) && error.retryable && Date.now() < deadline,
        },
      );
      return answer.grants[0]!;
    };
    const next = (async () => {
      const kept = await cached?.catch(() => undefined);
      return kept && kept.expiresAt - Date.now() > RENEW_BEFORE_MS ? kept : fresh();
    })();
    granted.set(id, next);
    next.catch(() => granted.delete(id));
    return next;
  };
  return {
    agent,
    async sign(request: ObjectRequest): Promise<SignedRequest> {
      const { url, headers } = await grant(request);
      return { url, headers: { ...request.headers, ...headers } };
    },
    async presign(request: ObjectRequest): Promise<string> {
      return (await grant(request)).url;
    },
    /** Its connections to the store end with the job, not when the store drops them. */
    close: () => agent.destroy(),
  };
}
