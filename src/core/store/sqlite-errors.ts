import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { MpegflowError } from '../errors.ts';

/** SQLite says only "unable to open" for a read-only file system or folder; ask the file system why. */
export function probeWritable(file: string): string | undefined {
  for (const target of [file, path.dirname(file)]) {
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return code;
    }
  }
  return undefined;
}

export function storeError(file: string, error: unknown): MpegflowError {
  if (error instanceof MpegflowError) return error;
  let code = (error as { code?: string }).code ?? '';
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_IOERR')) code = probeWritable(file) ?? code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/i.test(message)) {
    return new MpegflowError(`the state file ${file} is damaged and cannot be read`, {
      code: 'STATE_CORRUPT',
      suggestion: `move it aside (mv ${file} ${file}.damaged) and re-add endpoints, or restore it from backup; MpegFlow left it untouched`,
      cause: error,
    });
  }
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new MpegflowError(`the state file ${file} is not writable (${message})`, {
      code: 'STATE_READONLY',
      suggestion: `check the permissions of ${path.dirname(file)} and ${file}, or point MPEGFLOW_HOME at a writable folder`,
      cause: error,
    });
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new MpegflowError(`the state file ${file} stayed locked by another mpegflow process`, {
      code: 'STATE_LOCKED',
      suggestion: 'wait for the other mpegflow command to finish (see `ps -ef | grep mpegflow`) and run this again',
      cause: error,
    });
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new MpegflowError(`no space left to write the state file ${file}`, {
      code: 'STATE_DISK_FULL',
      suggestion: `free space on the file system that holds ${path.dirname(file)}; nothing already stored was changed`,
      cause: error,
    });
  }
  return new MpegflowError(`cannot open the state file ${file}: ${message}`, { code: 'STATE_ERROR', cause: error });
}
