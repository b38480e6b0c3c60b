import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { userError } from '../errors.ts';
import { readUserFile } from '../user-file.ts';
import { ENDPOINT_ROLES, type EndpointRole } from './model.ts';

/** A CA bundle of many certificates is still well under this. */
const CA_CERT_MAX_BYTES = 4 * 1024 * 1024;

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

/** An input as shown in a message: a huge value is cut, not repeated whole. */
function shown(input: string): string {
  return input.length > 80 ? `${input.slice(0, 60)}... (${input.length} characters)` : input;
}

/** DNS limits (RFC 1035): a name of at most 253 characters, each dot-separated label 1-63. */
const HOST_MAX = 253;
const LABEL_MAX = 63;

function checkHostName(host: string, input: string): void {
  if (host.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return; // IP addresses, checked by URL itself
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  const labels = name.split('.');
  if (name.length > HOST_MAX || labels.some((l) => l.length === 0 || l.length > LABEL_MAX)) {
    throw userError(
      `'${shown(input)}' does not have a valid host name: at most ${HOST_MAX} characters, dot-separated labels of 1-${LABEL_MAX}`,
      "give the endpoint as http://HOST:PORT with the MinIO server's DNS name or IP address",
    );
  }
}

function checkPort(port: string, input: string): void {
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65535) {
    throw userError(`'${shown(input)}' has port ${shown(port)}: a port is 1-65535`, 'give the port MinIO listens on, e.g. :9000');
  }
}

/** Accepts http(s)://host[:port] with nothing after it; MinIO serves the S3 API at the root. */
export function normalizeUrl(input: string): string {
  // "minio.local:9000" parses as a URL of scheme "minio.local": say the scheme is missing instead
  if (!input.includes('://') && /^[^/\s]+:\d+\/?$/.test(input)) {
    throw userError(
      `'${shown(input)}' has no scheme`,
      `give the endpoint as http://${shown(input.replace(/\/$/, ''))} (or https:// where MinIO serves TLS)`,
    );
  }
  // a port out of range makes URL() fail with no reason given: say which part is wrong (URLs with
  // credentials are left to the check below, which does not repeat them)
  const explicitPort = /^[a-z][a-z0-9+.-]*:\/\/(?:\[[^\]]*\]|[^/?#:@]*):(\d+)(?:[/?#]|$)/i.exec(input);
  if (explicitPort) checkPort(explicitPort[1]!, input);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw userError(
      `'${shown(input)}' is not a URL`,
      'give the endpoint as http://HOST:PORT or https://HOST:PORT, e.g. https://minio.example.net:9000',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw userError(
      `'${shown(input)}' uses ${url.protocol.replace(':', '')}, not http or https`,
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
      `'${shown(input)}' has a path, query or fragment`,
      'give only the scheme, host and port: buckets are named in ALIAS/BUCKET/KEY paths, not in the endpoint URL',
    );
  }
  if (!url.hostname) throw userError(`'${shown(input)}' has no host`, 'give the endpoint as http://HOST:PORT');
  checkHostName(url.hostname, input);
  if (url.port) checkPort(url.port, input);
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
  const pem = readUserFile(full, {
    what: 'the CA certificate',
    maxBytes: CA_CERT_MAX_BYTES,
    suggestion: 'give --ca-cert the path of the PEM file of the CA that signed the MinIO server certificate',
    code: 'CA_CERT_UNREADABLE',
  });
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

/** Only an empty key is refused: MinIO wants 8 characters or more, other S3 stores may not (see `shortSecretNote`). */
export function validateSecretKey(secretKey: string): string {
  if (secretKey.length === 0)
    throw userError('the secret key is empty', 'give the secret key that goes with the access key', 'SECRET_MISSING');
  return secretKey;
}

/** What to say of a key MinIO would refuse and another S3 store may take; null when there is nothing to say. */
export function shortSecretNote(secretKey: string): string | null {
  return secretKey.length < 8
    ? `the secret key has ${secretKey.length} characters: MinIO refuses keys shorter than 8 (other S3 stores may take them); \`mpegflow endpoint test\` tells`
    : null;
}
