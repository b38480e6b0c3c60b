import path from 'node:path';
import { MpegflowError } from '../../errors.ts';
import { lastLines } from './tools.ts';
import { errnoCode } from '../../user-file.ts';

/** What an ffmpeg failure means for the operator: a full disk, a refused or lost source, a truncated or unreadable source. */
export function diskFull(where: string, cause?: unknown): MpegflowError {
  return new MpegflowError(`no space left on the device holding ${where}`, {
    code: 'WORK_DISK_FULL',
    suggestion: 'free space there, or point --work-dir at a folder on a larger disk; the source and any earlier outputs were not touched',
    cause,
  });
}

/** A failed encode as the operator reads it: a full or read-only disk named; MpegFlow's own errors as they are. */
export function encodeFailure(error: unknown, workDir: string, destination: string): unknown {
  const code = errnoCode(error);
  if (code === 'ENOSPC') return diskFull(`the work folder ${workDir} or the destination ${destination}`, error);
  if (error instanceof MpegflowError) return error;
  if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
    return new MpegflowError(`cannot write to ${path.dirname(workDir)} (${code})`, {
      code: 'DESTINATION_NOT_WRITABLE',
      suggestion: 'choose a writable destination with --to or a work folder with --work-dir',
      cause: error,
    });
  }
  return error;
}

export function classifyFfmpegFailure(
  stderr: string,
  command: string,
  stage: string,
  remoteInput: boolean,
  workDir: string,
): MpegflowError {
  const details = { command, stderr: lastLines(stderr, 20) };
  if (/No space left on device|ENOSPC/i.test(stderr)) return diskFull(`the work folder ${workDir}`);
  if (remoteInput && /412 Precondition Failed|Server returned 412/i.test(stderr)) {
    return new MpegflowError('the source object changed while it was being encoded', {
      code: 'SOURCE_CHANGED',
      suggestion: 'run the encode again once the upload of the source has finished',
      details,
    });
  }
  if (remoteInput && /403 Forbidden|Server returned 403|HTTP error 403/i.test(stderr)) {
    // each request is signed afresh (source-relay.ts): not an expired URL, and not cured by another attempt now
    return new MpegflowError('the storage refused to let ffmpeg read the source (HTTP 403)', {
      code: 'SOURCE_ACCESS_DENIED',
      retryable: true,
      suggestion: 'check that the clocks of this host and MinIO agree and that the endpoint keys may read the source',
      details,
    });
  }
  if (
    remoteInput &&
    /Connection (refused|reset|timed out)|Input\/output error|Server returned 5(\d\d|XX)|End of file|Stream ends prematurely|partial file|timed out/i.test(
      stderr,
    )
  ) {
    return new MpegflowError('ffmpeg lost its connection to the storage while reading the source', {
      code: 'SOURCE_READ_FAILED',
      retry: 'now',
      suggestion: 'check that MinIO is reachable (`mpegflow endpoint test ALIAS`) and run again',
      details,
    });
  }
  return new MpegflowError(`ffmpeg failed during ${stage}:\n${lastLines(stderr, 8) || '(no output)'}`, {
    code: 'FFMPEG_FAILED',
    suggestion: 'run again with --verbose to see the ffmpeg command; the source may use a codec or layout this ffmpeg cannot handle',
    details,
  });
}

/** Watches HLS rendition folders and hands over each finished segment (ffmpeg renames `.tmp` files when it closes them). */
