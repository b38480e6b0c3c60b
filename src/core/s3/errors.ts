import type { IncomingHttpHeaders } from 'node:http';
import { redactText } from '../audit/redact.ts';
import type { ErrorCode } from '../error-codes.ts';
import { MpegflowError, isMpegflowError } from '../errors.ts';
import {
  UNREACHABLE_CODES,
  TIMEOUT_CODES,
  DNS_CODES,
  TLS_UNTRUSTED_CODES,
  TLS_FAILED_CODES,
  CREDENTIAL_CODES,
  DENIED_CODES,
  BUSY_CODES,
  UNAVAILABLE_CODES,
  NO_ADMIN_CODES,
  DAMAGED_CODES,
} from './error-codes.ts';

/**
 * The one boundary between MpegFlow and its storage: every S3 (minio SDK),
 * admin-API, HTTP and network failure is turned into an MpegflowError here,
 * naming the endpoint and the path, with the next step to take. Whether a
 * failure is worth another attempt is a property of the error (`retryable`),
 * decided here and nowhere else; `withRetry` (retry.ts) retries only those.
 */

/** Where a storage call went: the endpoint's alias (and URL), and what it touched. */
export interface StorageTarget {
  alias: string;
  url?: string;
  /** ALIAS/BUCKET/KEY, ALIAS/BUCKET/PREFIX/ or ALIAS/BUCKET, as the operator writes it. */
  path?: string;
  /** What MpegFlow was doing, as a verb phrase: "read", "list the remote targets of ingest". */
  action?: string;
}

/** An HTTP answer of the admin API (or any signed request MpegFlow sends itself). */
export interface StorageResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface RawError {
  name?: string;
  /** x-amz-request-id of the answer, which the SDK copies onto its S3Error: an S3 server answered. */
  amzRequestid?: string;
  code?: string;
  message?: string;
  errors?: RawError[];
  cause?: unknown;
}

/** Programming errors: a bug of ours, never a storage failure. */
const BUG_NAMES = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);

function endpointName(target: StorageTarget): string {
  if (!target.alias) return 'the storage endpoint';
  return target.url ? `endpoint '${target.alias}' (${target.url})` : `endpoint '${target.alias}'`;
}

/** "cannot read edge1/media/clip.mov: " — what failed, before why. */
function subject(target: StorageTarget): string {
  if (target.path) return `cannot ${target.action ?? 'access'} ${target.path}: `;
  if (target.action) return `cannot ${target.action}: `;
  return '';
}

const testIt = (alias: string) => `mpegflow endpoint test ${alias || 'NAME'}`;

interface Mapping {
  code: ErrorCode;
  retryable: boolean;
  /** Why, naming the endpoint; follows `subject()`. */
  why: string;
  suggestion: string;
}

/** The first network error code in an error, its cause chain or an AggregateError's members. */
function networkCode(error: RawError, depth = 0): string | undefined {
  if (depth > 4 || !error || typeof error !== 'object') return undefined;
  if (
    typeof error.code === 'string' &&
    /^(E[A-Z]+|ERR_\w+|UND_ERR_\w+|TIMEOUT|[A-Z_]*CERT[A-Z_]*|UNABLE_TO_\w+|HOSTNAME_MISMATCH)$/.test(error.code)
  )
    return error.code;
  for (const inner of error.errors ?? []) {
    const found = networkCode(inner, depth + 1);
    if (found) return found;
  }
  return error.cause ? networkCode(error.cause as RawError, depth + 1) : undefined;
}

function networkMapping(code: string, message: string, target: StorageTarget): Mapping | null {
  const who = endpointName(target);
  const alias = target.alias;
  if (TLS_UNTRUSTED_CODES.test(code)) {
    return {
      code: 'TLS_UNTRUSTED',
      retryable: false,
      why: `${who}: the TLS connection failed: its certificate is not trusted (${code})`,
      suggestion: `if it uses a private CA, give its certificate: \`mpegflow endpoint add ${alias} --replace --ca-cert CA.pem ...\`; check that the certificate names this host`,
    };
  }
  if (TLS_FAILED_CODES.test(code) || /wrong version number|ssl3_get_record|tlsv1 alert/i.test(message)) {
    return {
      code: 'TLS_FAILED',
      retryable: false,
      why: `${who}: the TLS handshake failed (${code}${message ? `: ${message}` : ''})`,
      suggestion: `check whether the port speaks https or http (\`mpegflow endpoint show ${alias}\`), then \`${testIt(alias)}\``,
    };
  }
  if (DNS_CODES.has(code)) {
    return {
      code: 'HOST_NOT_FOUND',
      retryable: true,
      why: `${who}: the host name does not resolve (${code})`,
      suggestion: `check the URL with \`mpegflow endpoint show ${alias}\` and this host's DNS, then \`${testIt(alias)}\``,
    };
  }
  if (TIMEOUT_CODES.has(code)) {
    return {
      code: 'TIMEOUT',
      retryable: true,
      why: `${who} did not answer in time`,
      suggestion: `check the network path to the server with \`${testIt(alias)}\` (or raise --timeout), then run again`,
    };
  }
  if (UNREACHABLE_CODES.has(code)) {
    const why =
      code === 'ECONNREFUSED'
        ? `${who} refused the connection: nothing listens on that port`
        : code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED'
          ? `${who} dropped the connection (${code})`
          : `${who} is unreachable (${code})`;
    return {
      code: 'UNREACHABLE',
      retryable: true,
      why,
      suggestion: `check that MinIO runs there and the URL names its S3 API port: \`${testIt(alias)}\``,
    };
  }
  return null;
}

/** Maps an S3 error code (from the SDK or an XML/JSON error document). */
function s3Mapping(code: string, message: string, target: StorageTarget): Mapping | null {
  const who = endpointName(target);
  const alias = target.alias;
  const detail = message ? ` (${code}: ${message})` : ` (${code})`;
  if (CREDENTIAL_CODES.has(code)) {
    return {
      code: 'CREDENTIALS_REFUSED',
      retryable: false,
      why: `${who} refused the credentials (${code})`,
      suggestion: `check the access key with \`mpegflow endpoint show ${alias}\` and re-enter the secret: \`mpegflow endpoint add ${alias} --replace ...\``,
    };
  }
  if (DENIED_CODES.has(code) && /authentication failed|check your access credentials/i.test(message)) {
    return { ...s3Mapping('InvalidAccessKeyId', message, target)!, why: `${who} refused the credentials (${code}: ${message})` };
  }
  if (DENIED_CODES.has(code)) {
    return {
      code: 'ACCESS_DENIED',
      retryable: false,
      why: `${who} denied access${detail}`,
      suggestion: `check that the access key of '${alias}' is right and its policy allows this (\`${testIt(alias)}\`)`,
    };
  }
  if (code === 'NoSuchBucket') {
    return {
      code: 'BUCKET_NOT_FOUND',
      retryable: false,
      why: `the bucket does not exist on ${who}`,
      suggestion: `check the bucket name (\`mc ls ${alias}\`), or create it (\`mc mb ${target.path?.split('/').slice(0, 2).join('/') ?? `${alias}/BUCKET`}\`)`,
    };
  }
  if (code === 'NoSuchKey' || code === 'NoSuchVersion' || code === 'NotFound') {
    const folder = target.path ? target.path.replace(/[^/]*$/, '') : `${alias}/BUCKET/`;
    return {
      code: 'OBJECT_NOT_FOUND',
      retryable: false,
      why: `no such object on ${who}`,
      suggestion: `check the key; list what is there with \`mc ls ${folder}\``,
    };
  }
  if (code === 'InvalidBucketName') return invalidBucketMapping(target, message);
  if (code === 'XMinioInvalidObjectName' || code === 'InvalidObjectName' || code === 'KeyTooLongError') {
    return {
      code: 'INVALID_OBJECT_KEY',
      retryable: false,
      why: `${who} refuses the object key${detail}`,
      suggestion: 'use object keys without "." or ".." segments, empty segments or control characters',
    };
  }
  if (code === 'XMinioStorageFull') {
    return {
      code: 'STORAGE_FULL',
      retryable: false,
      why: `${who} has no space left`,
      suggestion: 'free space on the MinIO deployment (or add drives), then run again',
    };
  }
  if (code === 'RequestTimeTooSkewed') {
    return {
      code: 'CLOCK_SKEW',
      retryable: false,
      why: `${who} refused the request: the clocks of this host and the server differ too much`,
      suggestion: 'synchronise the clocks (NTP) of this host and the MinIO nodes, then run again',
    };
  }
  if (BUSY_CODES.has(code)) {
    return {
      code: 'STORAGE_BUSY',
      retryable: true,
      why: `${who} asked to slow down or is not ready${detail}`,
      suggestion: `run again in a moment; if it persists, check the deployment with \`mpegflow health ${alias}\``,
    };
  }
  if (DAMAGED_CODES.has(code)) {
    return {
      code: 'UPLOAD_DAMAGED',
      retryable: true,
      why: `${who} received bytes that do not match what was sent (${code}): they were damaged on the way and not stored`,
      suggestion:
        'run again; if it keeps happening, check the network path (a proxy or NIC altering data) with `mpegflow endpoint test --throughput`',
    };
  }
  if (UNAVAILABLE_CODES.has(code)) {
    return {
      code: 'STORAGE_UNAVAILABLE',
      retryable: true,
      why: `${who} failed internally${detail}`,
      suggestion: `check the deployment with \`mpegflow health ${alias}\` (drives or nodes down?), then run again`,
    };
  }
  return null;
}

function invalidBucketMapping(target: StorageTarget, message: string): Mapping {
  return {
    code: 'INVALID_BUCKET_NAME',
    retryable: false,
    why: `not a valid bucket name${message ? ` (${message})` : ''}`,
    suggestion: `bucket names are 3 to 63 characters: lower-case letters, digits, dots and hyphens; list the buckets with \`mc ls ${target.alias}\``,
  };
}

function build(target: StorageTarget, mapping: Mapping, cause: unknown): MpegflowError {
  return new MpegflowError(redactText(`${subject(target)}${mapping.why}`), {
    code: mapping.code,
    retryable: mapping.retryable,
    suggestion: mapping.suggestion,
    cause,
    details: { endpoint: target.alias, ...(target.path ? { path: target.path } : {}) },
  });
}

function mapRaw(error: unknown, target: StorageTarget): Mapping {
  const e = (error ?? {}) as RawError;
  const name = e.name ?? '';
  const message = typeof e.message === 'string' ? e.message : '';
  const code = typeof e.code === 'string' ? e.code : '';
  if (name === 'InvalidBucketNameError') return invalidBucketMapping(target, message);
  if (name === 'InvalidObjectNameError' || name === 'InvalidPrefixError') {
    return {
      code: 'INVALID_OBJECT_KEY',
      retryable: false,
      why: `not a valid object key${message ? ` (${message})` : ''}`,
      suggestion: 'use object keys without "." or ".." segments, empty segments or control characters',
    };
  }
  const s3 = code ? s3Mapping(code, message, target) : null;
  if (s3) return s3;
  // minio-js turns every 408/429/5xx answer into a plain Error naming only the status
  const status = Number(/Retryable HTTP status: (\d{3})/.exec(message)?.[1] ?? 0);
  if (status === 408) return networkMapping('TIMEOUT', message, target)!;
  if (status === 429 || status === 503) return s3Mapping('SlowDown', `HTTP ${status}`, target)!;
  if (status >= 500) return s3Mapping('InternalError', `HTTP ${status}`, target)!;
  const net = networkCode(e);
  const mapped = net ? networkMapping(net, message, target) : null;
  if (mapped) return mapped;
  if (name === 'TimeoutError' || (name === 'AbortError' && (e.cause as RawError | undefined)?.name === 'TimeoutError'))
    return networkMapping('TIMEOUT', message, target)!;
  if (/socket hang up|other side closed/i.test(message)) return networkMapping('ECONNRESET', message, target)!;
  if (/timed? ?out/i.test(message)) return networkMapping('TIMEOUT', message, target)!;
  if (name === 'S3Error' && !code && e.amzRequestid) {
    // an S3 server (it sent a request id) answered a HEAD with a status the SDK does not name, without a body
    return {
      code: 'STORAGE_REFUSED',
      retryable: false,
      why: `${endpointName(target)} refused the request without saying why (HTTP 400?)`,
      suggestion: `check the bucket name and object key, then the endpoint with \`${testIt(target.alias)}\``,
    };
  }
  if (name === 'InvalidXMLError' || (name === 'S3Error' && !code)) {
    return {
      code: 'NOT_S3',
      retryable: false,
      why: `${endpointName(target)} is not an S3 server (its answer is not an S3 response${message ? `: ${message}` : ''})`,
      suggestion: `check the URL (\`mpegflow endpoint show ${target.alias}\`): it must be the S3 API port of MinIO (often :9000), not its console or another web server`,
    };
  }
  return {
    code: 'STORAGE_ERROR',
    retryable: false,
    why: `${endpointName(target)} failed${code ? ` (${code})` : ''}${message ? `: ${message}` : ''}`,
    suggestion: `check the endpoint with \`${testIt(target.alias)}\`; run again with --verbose for the cause`,
  };
}

/** True for errors that are a bug of ours (a TypeError in our code), which no storage mapping may disguise. */
function isBug(error: unknown): boolean {
  // fetch() reports network failures as a TypeError whose cause carries the code
  if (!(error instanceof Error) || !BUG_NAMES.has(error.name)) return false;
  const code = networkCode(error as RawError);
  return !code || networkMapping(code, '', { alias: '?' }) === null;
}

/**
 * Any failure of a storage call as an MpegflowError naming the endpoint and
 * the path, with the next step. MpegflowErrors pass through unchanged.
 */
export function storageFailure(error: unknown, target: StorageTarget): MpegflowError {
  if (isMpegflowError(error)) return error;
  if (isBug(error)) {
    return new MpegflowError(`unexpected internal error: ${(error as Error).message}`, {
      code: 'INTERNAL',
      suggestion: 'run again with --verbose and report the output to the MpegFlow maintainers',
      cause: error,
    });
  }
  return build(target, mapRaw(error, target), error);
}

/**
 * A HEAD request (statObject, bucketExists) carries no error document, so the
 * SDK can only say "NotFound" or "AccessDenied". `probe` makes one request
 * that does answer with a document (e.g. reading the bucket's versioning): a
 * missing bucket or refused credentials found that way replace the guess.
 */
export async function headFailure(error: unknown, target: StorageTarget, probe: () => Promise<unknown>): Promise<MpegflowError> {
  const code = (error as RawError | undefined)?.code;
  if (!isMpegflowError(error) && (code === 'NotFound' || code === 'AccessDenied' || code === 'NoSuchKey')) {
    try {
      await probe();
    } catch (probed) {
      const found = (probed as RawError | undefined)?.code ?? '';
      if (found === 'NoSuchBucket' || CREDENTIAL_CODES.has(found)) return storageFailure(probed, target);
    }
  }
  return storageFailure(error, target);
}

/** Recognises errors that came from storage or the network (as opposed to our own bugs), without a target. */
export function isStorageError(error: unknown): boolean {
  if (isMpegflowError(error) || isBug(error) || !error || typeof error !== 'object') return false;
  const e = error as RawError;
  return (
    e.name === 'S3Error' ||
    e.name === 'InvalidBucketNameError' ||
    e.name === 'InvalidObjectNameError' ||
    e.name === 'InvalidXMLError' ||
    networkMapping(networkCode(e) ?? '', '', { alias: '?' }) !== null ||
    (typeof e.code === 'string' && s3Mapping(e.code, '', { alias: '?' }) !== null)
  );
}

/** The Code and Message of an error answer (S3's XML, or MinIO admin's JSON); empty for a proxy's HTML page. */
export function errorDocument(response: StorageResponse): { code: string; message: string } {
  const text = response.body.toString('utf8');
  try {
    const json = JSON.parse(text) as { Code?: string; Message?: string };
    if (json.Code) return { code: json.Code, message: json.Message ?? '' };
  } catch {
    // S3 errors are XML
  }
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? '';
  const message = /<Message>([^<]+)<\/Message>/.exec(text)?.[1] ?? '';
  return { code, message };
}

/** MinIO marks every answer with its own headers; a plain web server or another S3 implementation does not. */
export function isMinioResponse(response: StorageResponse): boolean {
  return Boolean(
    response.headers['x-minio-deployment-id'] ??
    response.headers['x-amz-request-id'] ??
    String(response.headers.server ?? '').includes('MinIO'),
  );
}

/** An unsuccessful answer to a request MpegFlow signed itself (admin API, replication config). */
export function responseFailure(response: StorageResponse, target: StorageTarget): MpegflowError {
  const { code, message } = errorDocument(response);
  const who = endpointName(target);
  const s3 = code ? s3Mapping(code, message, target) : null;
  if (s3 && s3.code === 'ACCESS_DENIED') {
    s3.suggestion = `use an access key with the admin policy needed (e.g. consoleAdmin, or a policy allowing the admin action); see \`${testIt(target.alias)}\``;
  }
  if (s3 && (s3.code === 'CREDENTIALS_REFUSED' || s3.code === 'ACCESS_DENIED')) return build(target, s3, undefined);
  if (response.status === 403) return build(target, s3Mapping('AccessDenied', `HTTP ${response.status}`, target)!, undefined);
  const server = String(response.headers.server ?? '');
  if (code && !response.headers['x-minio-deployment-id'] && !server.includes('MinIO')) {
    // an S3 error document from another S3 store (moto, SeaweedFS, ...): S3 works, the admin API is not there
    return build(
      target,
      {
        code: 'NO_ADMIN_API',
        retryable: false,
        why: `${who} answers S3 but not MinIO's admin API: it is not MinIO${server ? ` (server: ${server})` : ''}`,
        suggestion: `health, capacity and replicate need MinIO's admin API; encode, job and verify work with any S3 store (what this one supports: mpegflow endpoint check ${target.alias})`,
      },
      undefined,
    );
  }
  if (!isMinioResponse(response)) {
    return build(
      target,
      {
        code: 'NOT_MINIO',
        retryable: false,
        why: `${who} is not a MinIO server (HTTP ${response.status} without MinIO headers)`,
        suggestion: `check the URL (\`mpegflow endpoint show ${target.alias}\`): it must be the S3 API port of a MinIO deployment, not its console or a proxy page`,
      },
      undefined,
    );
  }
  // MinIO itself (not merely an S3 server) naming the problem: a missing bucket, slow down, ...
  if (s3 && (server.includes('MinIO') || response.headers['x-minio-deployment-id'])) return build(target, s3, undefined);
  if (response.status === 404 || response.status === 400 || response.status === 405 || NO_ADMIN_CODES.has(code)) {
    return build(
      target,
      {
        code: 'NO_ADMIN_API',
        retryable: false,
        why: `${who} answers S3 but not MinIO's admin API (${code || `HTTP ${response.status}`})`,
        suggestion: 'this needs a MinIO server that exposes /minio/admin/v3; gateways and other S3 servers do not',
      },
      undefined,
    );
  }
  if (response.status === 503 || response.status === 429) return build(target, s3Mapping('SlowDown', message, target)!, undefined);
  if (response.status >= 500) return build(target, s3Mapping('InternalError', message || `HTTP ${response.status}`, target)!, undefined);
  return build(
    target,
    {
      code: 'STORAGE_ERROR',
      retryable: false,
      why: `${who} answered ${code || `HTTP ${response.status}`}${message ? ` (${message})` : ''}`,
      suggestion: `check the endpoint with \`${testIt(target.alias)}\`; run again with --verbose for the cause`,
    },
    undefined,
  );
}

/** Worth another attempt: a mapped error that says so, or a raw one that maps to such an error. */
export function isRetryable(error: unknown): boolean {
  if (isMpegflowError(error)) return error.retryable;
  if (isBug(error)) return false;
  return mapRaw(error, { alias: '?' }).retryable;
}
