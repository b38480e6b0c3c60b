import type { ErrorCode, ErrorKind } from '../core/error-codes.ts';
import type { MpegflowError } from '../core/errors.ts';
import { redactText } from '../core/audit/redact.ts';

export interface ErrorDocument {
  error: {
    /** One of the codes of src/core/error-codes.ts. */
    code: ErrorCode;
    /** Who can act on it: the operator (user), a tool or server MpegFlow depends on (external), or MpegFlow's maintainers (bug). */
    kind: ErrorKind;
    message: string;
    suggestion?: string;
    details?: Record<string, unknown>;
  };
}

/** What a success document carries besides the command's result. */
export interface WarningsField {
  /** What the run warned of, in the words it wrote to stderr; absent when it warned of nothing. */
  warnings?: string[];
}

export function errorDocument(err: MpegflowError): ErrorDocument {
  return {
    error: {
      code: err.code,
      kind: err.kind,
      message: redactText(err.message),
      ...(err.suggestion ? { suggestion: err.suggestion } : {}),
      ...(err.details ? { details: err.details } : {}),
    },
  };
}

export function renderErrorText(err: MpegflowError, options: { verbose: boolean }): string {
  const lines = [`Error: ${redactText(err.message)}`];
  if (err.suggestion) lines.push(`  Try: ${err.suggestion}`);
  if (options.verbose) {
    let cause: unknown = err.cause;
    while (cause instanceof Error) {
      lines.push(`  Caused by: ${redactText(cause.stack ?? cause.message)}`);
      cause = cause.cause;
    }
    if (err.stack) lines.push(redactText(err.stack));
  }
  return `${lines.join('\n')}\n`;
}
