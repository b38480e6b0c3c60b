import http from 'node:http';
import https from 'node:https';
import * as Minio from 'minio';
import type { ResolvedEndpoint } from '../endpoints/model.ts';

const agents = new WeakMap<Minio.Client, http.Agent>();

/** The connection pool (and private CA) a client was made with, for requests it signs but we send (listing). */
export function transportAgentOf(client: Minio.Client): http.Agent | undefined {
  return agents.get(client);
}

/** An S3 client (minio SDK) for a configured endpoint: path-style, trusting the endpoint's private CA if it has one. */
export function createS3Client(endpoint: ResolvedEndpoint): Minio.Client {
  const url = new URL(endpoint.url);
  const useSSL = url.protocol === 'https:';
  const transportAgent = useSSL
    ? new https.Agent({ keepAlive: true, ...(endpoint.caCert ? { ca: endpoint.caCert } : {}) })
    : new http.Agent({ keepAlive: true });
  const client = new Minio.Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: endpoint.accessKey,
    secretKey: endpoint.secretKey,
    region: endpoint.region,
    pathStyle: true,
    transportAgent,
    // the SDK would retry 5xx answers itself, warning on the console and hiding the answer's status from
    // the error; MpegFlow has one retry policy (core/s3/errors.ts withRetry)
    retryOptions: { disableRetry: true },
  });
  agents.set(client, transportAgent);
  return client;
}
