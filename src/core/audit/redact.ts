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

/** What a command's parser knows: its flags' long names (`--x`, `--no-x`) and short ones (`-x`). */
export type KnownFlags = ReadonlySet<string>;

/**
 * Redacts the values of flags the command does not know (misspelt or
 * nonexistent): `--secert=x` and `--secert x` may well carry a secret, and
 * the parser's "Nonexistent flag" message would echo it. Everything after
 * `--` is positional and kept.
 */
export function redactUnknownFlags(argv: readonly string[], known: KnownFlags): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.push(arg);
      continue;
    }
    const assigned = /^(--?[^=]+)=/.exec(arg);
    const name = assigned ? assigned[1]! : arg;
    // a short flag may carry its value attached: -uVALUE
    if (known.has(name) || (!name.startsWith('--') && known.has(name.slice(0, 2)))) {
      out.push(arg);
      continue;
    }
    if (assigned) {
      out.push(`${name}=${REDACTED}`);
      continue;
    }
    out.push(arg);
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('-')) {
      out.push(REDACTED);
      i++;
    }
  }
  return out;
}

/**
 * Applies to a message what `redactUnknownFlags` took out of argv: every
 * token it replaced is replaced in the text too (whole tokens only).
 */
export function redactLike(text: string, original: readonly string[], redacted: readonly string[]): string {
  let out = text;
  original.forEach((token, i) => {
    if (redacted[i] === token || token.length === 0) return;
    const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`, 'g'), redacted[i] ?? REDACTED);
  });
  return out;
}
