import { parseKeyFile, type TrustedKey } from '../core/license/keys.ts';
// model.ts, not verify.ts: commands import this file statically and verify.ts loads jose
import { invalidLicense, MAX_TOKEN_BYTES } from '../core/license/model.ts';
import { readUserFile } from '../core/user-file.ts';

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
  return readUserFile(file, {
    what: 'the license file',
    maxBytes: MAX_TOKEN_BYTES,
    suggestion: 'give the path of the license file the vendor sent, or - to read it from standard input',
    code: 'LICENSE_UNREADABLE',
    tooLarge: (size) => tooLarge(file, String(size)),
  }).toString('utf8');
}

export function readTrustedKeys(files: string[] | undefined): TrustedKey[] {
  return (files ?? []).flatMap((file) => parseKeyFile(file));
}
