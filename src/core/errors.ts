import { ERROR_CODES, type ErrorCode, type ErrorKind } from './error-codes.ts';

/**
 * One error type for everything MpegFlow reports to a person. Its code (see
 * error-codes.ts) says who can act on it (`kind`) and how the command exits.
 */
export interface MpegflowErrorOptions {
  /** Stable, machine-readable code for --json consumers, e.g. ENDPOINT_NOT_FOUND. */
  code: ErrorCode;
  /** What the operator should do next, written as an instruction. */
  suggestion?: string;
  cause?: unknown;
  /** Extra facts for --json output and --verbose; never secrets. */
  details?: Record<string, unknown>;
  /**
   * Worth another attempt as it is (the server or the network path was down,
   * the server asked to slow down). Nothing is retried unless it says so.
   */
  retryable?: boolean;
  /**
   * When another attempt is worth it: `now` (a read of the source dropped mid-encode: the encode tries
   * again at once), `later` (after a back-off: the store is down or busy, a tool was killed), or `never`.
   * Default: `later` when retryable, else `never`.
   */
  retry?: RetryWhen;
}

export type RetryWhen = 'now' | 'later' | 'never';

export class MpegflowError extends Error {
  readonly kind: ErrorKind;
  readonly suggestion?: string;
  readonly exitCode: number;
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  readonly retryable: boolean;
  readonly retry: RetryWhen;

  constructor(message: string, options: MpegflowErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MpegflowError';
    this.code = options.code;
    this.kind = ERROR_CODES[options.code].kind;
    this.exitCode = ERROR_CODES[options.code].exit;
    this.suggestion = options.suggestion;
    this.details = options.details;
    this.retry = options.retry ?? (options.retryable ? 'later' : 'never');
    this.retryable = this.retry !== 'never';
  }
}

export function userError(message: string, suggestion?: string, code: ErrorCode = 'INVALID_INPUT'): MpegflowError {
  return new MpegflowError(message, { suggestion, code });
}

export function usageError(message: string, suggestion?: string): MpegflowError {
  return new MpegflowError(message, { suggestion, code: 'USAGE' });
}

export function isMpegflowError(error: unknown): error is MpegflowError {
  return error instanceof MpegflowError;
}

/** What a result document carries about an error it reports instead of throwing (no cause, no stack). */
export function errorSummary(error: MpegflowError): { code: ErrorCode; message: string; suggestion?: string } {
  return { code: error.code, message: error.message, ...(error.suggestion ? { suggestion: error.suggestion } : {}) };
}
