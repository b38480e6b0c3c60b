import http from 'node:http';
import https from 'node:https';
import * as Minio from 'minio';
import { hostSigner, type RequestSigner, type S3Connection } from './signer.ts';

const signers = new WeakMap<Minio.Client, RequestSigner>();

/** How the requests we send ourselves (listing, uploads, the relay) to a client's store are authorised. */
export function signerOf(client: Minio.Client): RequestSigner {
  const signer = signers.get(client);
  if (!signer) throw new TypeError('signerOf: the client was not made by createS3Client');
  return signer;
}

/** An S3 client (minio SDK) for a configured endpoint: path-style, trusting the endpoint's private CA if it has one. */
export function createS3Client(endpoint: S3Connection & { caCert: Buffer | null }): Minio.Client {
  const url = new URL(endpoint.url);
  const useSSL = url.protocol === 'https:';
  const transportAgent = useSSL
    ? new https.Agent({ keepAlive: true, ...(endpoint.caCert ? { ca: endpoint.caCert } : {}) })
    : new http.Agent({ keepAlive: true });
  const client = sdkClient(url, endpoint, endpoint.region, transportAgent);
  signers.set(client, hostSigner(endpoint, transportAgent));
  return client;
}

function sdkClient(url: URL, keys: { accessKey: string; secretKey: string }, region: string, transportAgent?: http.Agent): Minio.Client {
  const useSSL = url.protocol === 'https:';
  return new Minio.Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: keys.accessKey,
    secretKey: keys.secretKey,
    region,
    pathStyle: true,
    ...(transportAgent ? { transportAgent } : {}),
    // the SDK would retry 5xx answers itself, warning on the console and hiding the answer's status from
    // the error; MpegFlow has one retry policy (core/s3/errors.ts withRetry)
    retryOptions: { disableRetry: true },
  });
}

/**
 * An S3 client that holds no key of the store: it talks to a loopback gateway (its throwaway key) that has
 * each request signed by `signer`, and the requests we send ourselves go to `signer` directly.
 */
export function grantedS3Client(
  gateway: { url: string; accessKey: string; secretKey: string },
  signer: RequestSigner,
  region: string,
): Minio.Client {
  const client = sdkClient(new URL(gateway.url), gateway, region);
  signers.set(client, signer);
  return client;
}
