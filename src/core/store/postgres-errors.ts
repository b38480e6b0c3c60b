import type { ErrorCode } from '../error-codes.ts';
import { MpegflowError } from '../errors.ts';

/** Node's reasons for not trusting a server certificate. */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '08006',
  '08001',
]);

/** What went wrong talking to PostgreSQL, in terms an operator can act on. */
export function postgresError(location: string, error: unknown): MpegflowError {
  if (error instanceof MpegflowError) return error;
  const { code = '', syscall, path } = error as NodeJS.ErrnoException;
  const message = error instanceof Error ? error.message : String(error);
  const refusal = (text: string, options: { code: ErrorCode; suggestion: string }) => new MpegflowError(text, { ...options, cause: error });
  if (UNTRUSTED_CERTIFICATE.has(code))
    return refusal(`PostgreSQL at ${location} presented a certificate this host does not trust (${code})`, {
      code: 'DATABASE_TLS_UNTRUSTED',
      suggestion:
        'name the CA that signed the server certificate in MPEGFLOW_DATABASE_URL: ?sslmode=verify-full&sslrootcert=/path/to/ca.pem (sslmode=no-verify encrypts without checking who answers)',
    });
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return refusal(`PostgreSQL at ${location} presented a certificate for another name: ${message}`, {
      code: 'DATABASE_TLS_NAME',
      suggestion: "connect by a name the server's certificate holds (its subjectAltName), or have it reissued with this one",
    });
  if (syscall === 'open' && path)
    return refusal(`cannot read ${path}, named in MPEGFLOW_DATABASE_URL (${code})`, {
      code: 'DATABASE_TLS_FILE',
      suggestion: 'check the sslrootcert (or sslcert, sslkey) path and that this user may read it',
    });
  if (/does not support SSL/i.test(message))
    return refusal(`PostgreSQL at ${location} does not offer TLS`, {
      code: 'DATABASE_TLS_UNAVAILABLE',
      suggestion: 'turn ssl on in the server settings, or leave sslmode out of MPEGFLOW_DATABASE_URL on a network you trust',
    });
  if (code === '28000' && /pg_hba\.conf/.test(message)) {
    const unencrypted = /no encryption/.test(message);
    return refusal(
      unencrypted
        ? `PostgreSQL at ${location} takes only encrypted connections from this host`
        : `PostgreSQL at ${location} does not admit this host, user or database (pg_hba.conf)`,
      {
        code: unencrypted ? 'DATABASE_TLS_REQUIRED' : 'DATABASE_HOST_REFUSED',
        suggestion: unencrypted
          ? 'connect over TLS: add ?sslmode=verify-full&sslrootcert=/path/to/ca.pem to MPEGFLOW_DATABASE_URL'
          : "ask the database's administrator to admit this host in pg_hba.conf",
      },
    );
  }
  if (code === '28P01' || code === '28000')
    return refusal(`PostgreSQL at ${location} refused the credentials`, {
      code: 'DATABASE_AUTH',
      suggestion: 'check the user and password in MPEGFLOW_DATABASE_URL (or PGPASSWORD / ~/.pgpass)',
    });
  if (code === '3D000')
    return refusal(`the database in ${location} does not exist`, {
      code: 'DATABASE_MISSING',
      suggestion: 'create it (createdb …) or fix the database name in MPEGFLOW_DATABASE_URL',
    });
  if (UNREACHABLE.has(code) || /timeout|terminat|Connection terminated|connect/i.test(message))
    return new MpegflowError(`cannot reach PostgreSQL at ${location}: ${message}`, {
      code: 'DATABASE_UNREACHABLE',
      suggestion: 'check that the database server is running and reachable from this host (pg_isready), then run this again',
      cause: error,
      retryable: true,
    });
  if (code === '53100')
    return refusal(`the PostgreSQL server at ${location} is out of disk space`, {
      code: 'STATE_DISK_FULL',
      suggestion: 'free space on the database server; nothing already stored was changed',
    });
  return new MpegflowError(`PostgreSQL error at ${location}: ${message}`, { code: 'DATABASE_ERROR', cause: error });
}
