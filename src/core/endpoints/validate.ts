import { readFileSync } from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { userError } from '../errors.ts';
import { ENDPOINT_ROLES, type EndpointRole } from './model.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

export function validateName(name: string): string {
  if (!NAME.test(name)) {
    throw userError(
      `'${name}' is not a valid endpoint name`,
      'use 1-63 letters, digits, "-" or "_", starting with a letter or digit (it becomes the ALIAS in ALIAS/BUCKET/KEY paths)',
    );
  }
  return name;
}

/** Accepts http(s)://host[:port] with nothing after it; MinIO serves the S3 API at the root. */
export function normalizeUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw userError(
      `'${input}' is not a URL`,
      'give the endpoint as http://HOST:PORT or https://HOST:PORT, e.g. https://minio.example.net:9000',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw userError(
      `'${input}' uses ${url.protocol.replace(':', '')}, not http or https`,
      'give the endpoint as http://HOST:PORT or https://HOST:PORT',
    );
  }
  if (url.username || url.password) {
    throw userError(
      'the endpoint URL must not carry credentials',
      'put the access key in --access-key and the secret in --secret-key-stdin or --secret-key-env',
    );
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw userError(
      `'${input}' has a path, query or fragment`,
      'give only the scheme, host and port: buckets are named in ALIAS/BUCKET/KEY paths, not in the endpoint URL',
    );
  }
  if (!url.hostname) throw userError(`'${input}' has no host`, 'give the endpoint as http://HOST:PORT');
  return `${url.protocol}//${url.host}`;
}

export function validateRole(role: string | undefined): EndpointRole | null {
  if (role === undefined) return null;
  if (!(ENDPOINT_ROLES as readonly string[]).includes(role)) {
    throw userError(`'${role}' is not an endpoint role`, `use one of: ${ENDPOINT_ROLES.join(', ')}`);
  }
  return role as EndpointRole;
}

export function parseLabels(pairs: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw userError(`label '${pair}' is not KEY=VALUE`, 'write labels as --label site=paris --label tier=hot');
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}

/** Reads and parses a PEM CA bundle, so a wrong path or a non-certificate fails now, not at first use. */
export function readCaCert(file: string): { path: string; pem: Buffer } {
  const full = path.resolve(file);
  let pem: Buffer;
  try {
    pem = readFileSync(full);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw userError(
      `cannot read the CA certificate ${full}${code === 'ENOENT' ? ': no such file' : code === 'EACCES' ? ': permission denied' : ''}`,
      'give --ca-cert the path of the PEM file of the CA that signed the MinIO server certificate',
      'CA_CERT_UNREADABLE',
    );
  }
  try {
    new X509Certificate(pem);
  } catch {
    throw userError(`${full} is not a PEM certificate`, 'give --ca-cert a PEM file (-----BEGIN CERTIFICATE-----)', 'CA_CERT_INVALID');
  }
  return { path: full, pem };
}

export function validateAccessKey(accessKey: string): string {
  if (accessKey.length < 3 || /\s/.test(accessKey)) {
    throw userError('the access key must be at least 3 characters without spaces', 'copy the access key from your MinIO administrator');
  }
  return accessKey;
}

export function validateSecretKey(secretKey: string): string {
  if (secretKey.length < 8) throw userError('the secret key must be at least 8 characters', 'MinIO refuses shorter secret keys');
  return secretKey;
}
