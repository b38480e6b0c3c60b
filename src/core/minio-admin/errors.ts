import { MpegflowError } from '../errors.ts';
import type { ResolvedEndpoint } from '../endpoints/model.ts';
import type { AdminResponse } from './http.ts';

const CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'XMinioAdminInvalidAccessKey',
  'XMinioAdminInvalidSignature',
  'AccessDenied',
  'XMinioAccessDenied',
  'InvalidToken',
]);

function errorCode(response: AdminResponse): { code: string; message: string } {
  const text = response.body.toString('utf8');
  try {
    const json = JSON.parse(text) as { Code?: string; Message?: string };
    if (json.Code) return { code: json.Code, message: json.Message ?? '' };
  } catch {
    // MinIO's S3 errors are XML
  }
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? '';
  const message = /<Message>([^<]+)<\/Message>/.exec(text)?.[1] ?? '';
  return { code, message };
}

/** MinIO marks every answer with its own headers; a plain web server or another S3 implementation does not. */
export function isMinioResponse(response: AdminResponse): boolean {
  return Boolean(
    response.headers['x-minio-deployment-id'] ??
    response.headers['x-amz-request-id'] ??
    String(response.headers.server ?? '').includes('MinIO'),
  );
}

/** Maps an unsuccessful admin answer to an error naming the likely cause and the fix. */
export function adminError(endpoint: ResolvedEndpoint, response: AdminResponse, what: string): MpegflowError {
  const where = `endpoint '${endpoint.name}' (${endpoint.url})`;
  const { code, message } = errorCode(response);
  if (CREDENTIAL_CODES.has(code) && code !== 'AccessDenied' && code !== 'XMinioAccessDenied') {
    return new MpegflowError(`${where} refused the credentials (${code})`, {
      code: 'CREDENTIALS_REFUSED',
      kind: 'user',
      suggestion: `check the access key with \`mpegflow endpoint show ${endpoint.name}\` and re-enter the secret: mpegflow endpoint add ${endpoint.name} --replace ...`,
    });
  }
  if (code === 'AccessDenied' || code === 'XMinioAccessDenied' || response.status === 403) {
    return new MpegflowError(`${where}: the access key may not ${what} (${code || response.status})`, {
      code: 'ACCESS_DENIED',
      kind: 'user',
      suggestion: 'use an access key with the admin policy needed (e.g. consoleAdmin or a policy allowing admin:ServerInfo)',
    });
  }
  const server = String(response.headers.server ?? '');
  if (code && !response.headers['x-minio-deployment-id'] && !server.includes('MinIO')) {
    // an S3 error document from another S3 store (moto, SeaweedFS, ...): S3 works, the admin API is not there
    return new MpegflowError(`${where} answers S3 but not MinIO's admin API: it is not MinIO${server ? ` (server: ${server})` : ''}`, {
      code: 'NO_ADMIN_API',
      kind: 'user',
      suggestion: `health, capacity and replicate need MinIO's admin API; encode, job and verify work with any S3 store (what this one supports: mpegflow endpoint check ${endpoint.name})`,
    });
  }
  if (!isMinioResponse(response)) {
    return new MpegflowError(`${where} is not a MinIO server (HTTP ${response.status} without MinIO headers)`, {
      code: 'NOT_MINIO',
      kind: 'user',
      suggestion: 'check the URL: it must be the S3 API port of a MinIO deployment, not its console or a proxy page',
    });
  }
  if (response.status === 404 || response.status === 400 || code === 'NotImplemented' || code === 'XMinioAdminAPINotImplemented') {
    return new MpegflowError(`${where} answers S3 but not MinIO's admin API (${code || `HTTP ${response.status}`})`, {
      code: 'NO_ADMIN_API',
      kind: 'user',
      suggestion: 'health checks need a MinIO server that exposes /minio/admin/v3; gateways and other S3 servers do not',
    });
  }
  return new MpegflowError(`${where} could not ${what}: ${code || `HTTP ${response.status}`}${message ? ` (${message})` : ''}`, {
    code: 'ADMIN_FAILED',
    kind: 'external',
  });
}
