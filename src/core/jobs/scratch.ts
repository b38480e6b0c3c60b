import { MpegflowError } from '../errors.ts';

/** Whether an error is the scratch folder failing (a file system call, or SQLite writing its file), not the submission's own. */
export function isScratchFailure(error: unknown): boolean {
  const { syscall, code } = error as NodeJS.ErrnoException;
  return Boolean(syscall) || code === 'SQLITE_FULL' || code === 'SQLITE_IOERR' || code === 'SQLITE_CANTOPEN';
}

/**
 * A submission keeps what it has listed in TMPDIR until the listing is done;
 * when that folder cannot take it, the operator is told where, and that
 * nothing was queued.
 */
export function scratchFailed(folder: string, error: unknown): MpegflowError {
  const code = (error as NodeJS.ErrnoException).code;
  const full = code === 'ENOSPC' || code === 'SQLITE_FULL';
  return new MpegflowError(
    full ? `no space left on the device holding ${folder} while listing the sources` : `cannot write the submission list in ${folder}`,
    {
      code: full ? 'SPOOL_DISK_FULL' : 'SPOOL_UNWRITABLE',
      suggestion: 'point TMPDIR at a folder with room (about 1 KB per source); nothing was queued',
      cause: error,
    },
  );
}
