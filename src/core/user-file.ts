import type { ErrorCode } from './error-codes.ts';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import os from 'node:os';
import { MpegflowError } from './errors.ts';

/**
 * Reads a file the operator named (a license, a key, a preset, a CA
 * certificate, mc's configuration): only a regular file, and never more than
 * `maxBytes`. A FIFO, socket or device is refused instead of blocking
 * forever (a cron job would hang) or reading without end; a folder is
 * refused with its own reason. The file is opened without blocking and
 * checked on the open descriptor, so what is checked is what is read.
 */
export interface UserFileOptions {
  /** What the file is, for messages: "the license file". */
  what: string;
  maxBytes: number;
  /** What to do instead, for messages. */
  suggestion: string;
  /** Machine-readable code of the refusal. */
  code: ErrorCode;
  /** Its code when the file does not exist (default: `code`). */
  missingCode?: ErrorCode;
  /** A refusal of its own for a file over `maxBytes` (default: a user error with `code`). */
  tooLarge?: (size: number) => Error;
}

function kind(stat: Stats): string {
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a folder',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
};

/** A file system error as the operator reads it: "permission denied", not EACCES. */
function fsReason(code: string): string {
  return REASONS[code] ?? code;
}

/** A file or folder that is there but cannot be read, said with the reason. */
export function cannotRead(where: string, error: unknown, options: { code: ErrorCode; suggestion: string }): MpegflowError {
  const code = (error as NodeJS.ErrnoException).code;
  return new MpegflowError(`cannot read ${where}: ${code ? fsReason(code) : String(error)}`, { ...options, cause: error });
}

export function readUserFile(file: string, options: UserFileOptions): Buffer {
  const refuse = (reason: string, cause?: unknown) =>
    new MpegflowError(`cannot read ${options.what} ${file}: ${reason}`, {
      code: (cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? (options.missingCode ?? options.code) : options.code,
      suggestion: options.suggestion,
      ...(cause === undefined ? {} : { cause }),
    });
  const tooLarge = (size: number) =>
    options.tooLarge?.(size) ?? refuse(`it is ${size} bytes, more than ${options.what} can be (${options.maxBytes})`);

  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw refuse(code ? fsReason(code) : String(error), error);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw refuse('it is a folder');
    if (!stat.isFile()) throw refuse(`it is ${kind(stat)}`);
    if (stat.size > options.maxBytes) throw tooLarge(stat.size);
    // read at most one byte past the limit: a file that grew since fstat is still bounded
    const buffer = Buffer.alloc(options.maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > options.maxBytes) throw tooLarge(length);
    }
    return buffer.subarray(0, length);
  } catch (error) {
    // our own refusals pass through; a read error (EIO, ...) is said as such
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof MpegflowError || !code) throw error;
    throw refuse(fsReason(code), error);
  } finally {
    closeSync(fd);
  }
}

/** The OS user this process runs as, to name in a permission error. */
export function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

export function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
