export const ENDPOINT_ROLES = ['edge', 'central', 'archive'] as const;
export type EndpointRole = (typeof ENDPOINT_ROLES)[number];

/**
 * Where an endpoint's secret key comes from: stored in the 0600 state file,
 * read from an env var at use, or (in a pool, whose shared database holds no
 * secret) kept in each host's own 0600 file.
 */
export type SecretSource = { kind: 'stored' } | { kind: 'env'; variable: string } | { kind: 'host' };

/** An endpoint as configured (safe to show: no secret). */
export interface Endpoint {
  name: string;
  url: string;
  accessKey: string;
  secretSource: SecretSource;
  region: string;
  caCertPath: string | null;
  role: EndpointRole | null;
  labels: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/** Everything a client needs to talk to the endpoint, secret included. Never render or log this. */
export interface ResolvedEndpoint {
  name: string;
  /** Base URL, e.g. http://127.0.0.1:9000 or https://minio.example:9000 (no path). */
  url: string;
  accessKey: string;
  secretKey: string;
  region: string;
  /** PEM bundle of a private CA to trust, when configured. */
  caCert: Buffer | null;
}
