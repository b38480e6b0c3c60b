/** The codes S3 servers, MinIO's admin API and Node's network stack use, by what they mean to an operator. */
export const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ECONNABORTED',
]);
export const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'TIMEOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);
export const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);
export const TLS_UNTRUSTED_CODES =
  /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_\w+|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)$/;
export const TLS_FAILED_CODES = /^(EPROTO|ERR_SSL_\w+|ERR_TLS_\w+)$/;

export const CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'XMinioAdminInvalidAccessKey',
  'XMinioAdminInvalidSignature',
  'InvalidToken',
  'ExpiredToken',
  'XMinioInvalidIAMCredentials',
]);
export const DENIED_CODES = new Set(['AccessDenied', 'XMinioAccessDenied', 'AllAccessDisabled', 'XMinioAdminAccessDenied']);
export const BUSY_CODES = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'XMinioServerNotInitialized',
  'RequestTimeout',
  'XMinioAdminBucketQuotaExceeded',
]);
export const UNAVAILABLE_CODES = new Set([
  'InternalError',
  'XMinioReadQuorum',
  'XMinioWriteQuorum',
  'InsufficientReadQuorum',
  'InsufficientWriteQuorum',
  'XMinioServerTimedOut',
  'XMinioBackendDown',
]);
export const NO_ADMIN_CODES = new Set(['NotImplemented', 'XMinioAdminAPINotImplemented', 'MethodNotAllowed']);
/** The body the store received is not the one sent: its checksum or Content-MD5 did not match. */
export const DAMAGED_CODES = new Set(['BadDigest', 'XAmzContentChecksumMismatch', 'InvalidDigest', 'XAmzContentSHA256Mismatch']);
