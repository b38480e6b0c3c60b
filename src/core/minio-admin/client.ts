import type * as z from 'zod';
import type { ResolvedEndpoint } from '../endpoints/model.ts';
import { responseFailure } from '../s3/errors.ts';
import { adminJson, adminRequest, type AdminRequest } from './http.ts';
import { parsePrometheusText, prometheusToken, type MetricSample } from './prometheus.ts';
import { backgroundHealStatus, serverInfo, type BackgroundHealStatus, type ClusterHealth, type ServerInfo } from './types.ts';

export interface AdminClientOptions {
  timeoutMs?: number;
  retries?: number;
}

/** A small typed client for MinIO's admin API (madmin's wire format), signed with SigV4. */
export class MinioAdminClient {
  readonly endpoint: ResolvedEndpoint;
  readonly #options: AdminClientOptions;

  constructor(endpoint: ResolvedEndpoint, options: AdminClientOptions = {}) {
    this.endpoint = endpoint;
    this.#options = options;
  }

  #target(action: string) {
    return { alias: this.endpoint.name, url: this.endpoint.url, action };
  }

  async #json<T>(request: AdminRequest, what: string, shape: z.ZodType<T>): Promise<T> {
    return adminJson(
      this.endpoint,
      { timeoutMs: this.#options.timeoutMs, retries: this.#options.retries, ...request },
      this.#target(what),
      shape,
    );
  }

  /** GET /minio/admin/v3/info: mode, servers, every drive with its pool, set and state, the backend's parity. */
  serverInfo(): Promise<ServerInfo> {
    return this.#json({ method: 'GET', path: '/minio/admin/v3/info' }, 'read server info', serverInfo);
  }

  /** POST /minio/admin/v3/background-heal/status: what the healing sequence is doing, per set. */
  backgroundHealStatus(): Promise<BackgroundHealStatus> {
    return this.#json({ method: 'POST', path: '/minio/admin/v3/background-heal/status' }, 'read the healing status', backgroundHealStatus);
  }

  /** The unauthenticated cluster probes: write quorum (/minio/health/cluster) or read quorum (/cluster/read). */
  async clusterHealth(kind: 'write' | 'read' = 'write'): Promise<ClusterHealth> {
    const response = await adminRequest(this.endpoint, {
      method: 'GET',
      path: kind === 'write' ? '/minio/health/cluster' : '/minio/health/cluster/read',
      signed: false,
      timeoutMs: this.#options.timeoutMs,
      retries: 0,
    });
    const header = (name: string) => {
      const value = response.headers[name];
      return value === undefined ? null : Number(value);
    };
    return {
      kind,
      healthy: response.status === 200,
      status: response.status,
      writeQuorum: header('x-minio-write-quorum'),
      readQuorum: header('x-minio-read-quorum'),
      maintenance: response.headers['x-minio-server-status'] === 'offline',
    };
  }

  /** Cluster metrics from the Prometheus v2 endpoint, with a bearer JWT minted from the endpoint's credentials. */
  async metrics(path = '/minio/v2/metrics/cluster', now = new Date()): Promise<MetricSample[]> {
    const token = await prometheusToken(this.endpoint, now);
    const response = await adminRequest(this.endpoint, {
      method: 'GET',
      path,
      signed: false,
      headers: { authorization: `Bearer ${token}` },
      timeoutMs: this.#options.timeoutMs,
      retries: this.#options.retries,
    });
    if (response.status !== 200) throw responseFailure(response, this.#target('read metrics'));
    return parsePrometheusText(response.body.toString('utf8'));
  }

  /** GET /minio/health/ready: is this node serving. */
  async ready(): Promise<boolean> {
    const response = await adminRequest(this.endpoint, {
      method: 'GET',
      path: '/minio/health/ready',
      signed: false,
      timeoutMs: this.#options.timeoutMs,
      retries: 0,
    });
    return response.status === 200;
  }
}
