/** Flag names whose values are secrets wherever they appear in argv. */
const SECRET_FLAG = /(secret|password|passwd|token|credential|private)/i;
const PRESIGNED_QUERY = /([?&](X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId)=)[^&\s]*/gi;
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s:]+:[^/@\s]+@/gi;

export const REDACTED = '[REDACTED]';

/** Hides presigned-URL signatures and user:password@ in any free text. */
export function redactText(text: string): string {
  return text.replace(PRESIGNED_QUERY, `$1${REDACTED}`).replace(URL_USERINFO, `$1${REDACTED}@`);
}

/**
 * Redacts a command line for the audit log: values of secret-looking flags
 * (`--secret-key x`, `--secret-key=x`), and signatures in URLs anywhere.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const assigned = /^(--?[^=]+)=(.*)$/.exec(arg);
    if (assigned && SECRET_FLAG.test(assigned[1]!)) {
      out.push(`${assigned[1]}=${REDACTED}`);
      continue;
    }
    out.push(redactText(arg));
    const next = argv[i + 1];
    if (arg.startsWith('-') && SECRET_FLAG.test(arg) && !/-(env|stdin|file)$/.test(arg) && next !== undefined && !next.startsWith('-')) {
      out.push(REDACTED);
      i++;
    }
  }
  return out;
}
