import { usageError } from '../core/errors.ts';

/**
 * A size or rate as operators write it: 256MiB, 1GiB, 50MB, 1G, 100MiB/s.
 * Binary units with i (KiB = 1024), decimal without (KB = 1000); a bare
 * number is bytes.
 */
export function parseByteSize(text: string, flag: string, { example = '256MiB, 1GiB or 500MB', noun = 'size' } = {}): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]i?)?B?(?:\/s)?$/i.exec(text.trim());
  if (!match) throw usageError(`${flag} '${text}' is not a ${noun}`, `write it like ${example}`);
  const unit = (match[2] ?? '').toUpperCase();
  const factor = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, KI: 1024, MI: 1024 ** 2, GI: 1024 ** 3, TI: 1024 ** 4 }[unit] ?? 1;
  return Math.round(Number(match[1]) * factor);
}
