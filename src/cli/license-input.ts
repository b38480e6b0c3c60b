import { readFileSync, statSync } from 'node:fs';
import { userError } from '../core/errors.ts';
import { parseKeyFile, type TrustedKey } from '../core/license/keys.ts';
// model.ts, not verify.ts: commands import this file statically and verify.ts loads jose
import { invalidLicense, MAX_TOKEN_BYTES } from '../core/license/model.ts';

const tooLarge = (what: string, size: string) =>
  invalidLicense(
    'LICENSE_TOO_LARGE',
    `${what} is ${size} bytes, more than a license can be (${MAX_TOKEN_BYTES})`,
    'check that you gave the license file, not another file',
  );

/** Standard input, but never more than a license can be: a runaway pipe is refused, not buffered. */
async function readBoundedStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > MAX_TOKEN_BYTES) {
      (stream as NodeJS.ReadStream).destroy?.();
      throw tooLarge('standard input', `over ${MAX_TOKEN_BYTES}`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A license from a file or standard input (`-`); anything bigger than a license is refused unread. */
export async function readLicenseInput(file: string): Promise<string> {
  if (file === '-') return readBoundedStdin();
  let size: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw Object.assign(new Error('folder'), { code: 'EISDIR' });
    size = stat.size;
    if (size <= MAX_TOKEN_BYTES) return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw userError(
      `cannot read the license file ${file}${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': it is a folder' : code === 'EACCES' ? ': permission denied' : ''}`,
      'give the path of the license file the vendor sent, or - to read it from standard input',
      'LICENSE_UNREADABLE',
    );
  }
  throw tooLarge(file, String(size));
}

export function readTrustedKeys(files: string[] | undefined): TrustedKey[] {
  return (files ?? []).flatMap((file) => parseKeyFile(file));
}
