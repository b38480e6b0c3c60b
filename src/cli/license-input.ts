import { readFileSync, statSync } from 'node:fs';
import { MpegflowError, userError } from '../core/errors.ts';
import { parseKeyFile, type TrustedKey } from '../core/license/keys.ts';
import { MAX_TOKEN_BYTES } from '../core/license/verify.ts';
import { readStdin } from '../ui/secret-input.ts';

/** A license from a file or standard input (`-`); a file bigger than any license is refused unread. */
export async function readLicenseInput(file: string): Promise<string> {
  if (file === '-') return readStdin();
  try {
    const { size } = statSync(file);
    if (size > MAX_TOKEN_BYTES) {
      throw new MpegflowError(`${file} is ${size} bytes, more than a license can be (${MAX_TOKEN_BYTES})`, {
        code: 'LICENSE_TOO_LARGE',
        exitCode: 2,
        suggestion: 'check that you gave the license file, not another file',
      });
    }
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof MpegflowError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw userError(
      `cannot read the license file ${file}${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': it is a folder' : ''}`,
      'give the path of the license file the vendor sent, or - to read it from standard input',
      'LICENSE_UNREADABLE',
    );
  }
}

export function readTrustedKeys(files: string[] | undefined): TrustedKey[] {
  return (files ?? []).flatMap((file) => parseKeyFile(file));
}
