import type { Client } from 'minio';
import { MpegflowError, isMpegflowError } from '../errors.ts';
import { isRetryable } from '../storage-errors.ts';
import { parseObjectPath } from '../endpoints/object-path.ts';
import { destinationFrom } from '../encode/locations.ts';
import { runEncode } from '../encode/pipeline.ts';
import type { ProgressListener } from '../encode/progress.ts';
import { resolvePreset } from '../encode/presets.ts';
import type { Job } from './model.ts';
import type { FailureVerdict, JobContext } from './worker.ts';

export interface EncodeJobDeps {
  isAlias: (name: string) => boolean;
  s3For: (alias: string) => Client;
  workDir?: string;
  /** The PEM file of an endpoint's private CA, for ffmpeg reading https sources. */
  caFileFor?: (alias: string) => string | null | undefined;
  /** The licensed highest output resolution, in lines. */
  maxOutputLines?: number;
  /** Progress of each job, e.g. for a log; the caller decides what to keep. */
  onProgress?: (job: Job, listener: JobContext) => ProgressListener;
}

/** Runs one queued encode through the pipeline; a manifest already at the destination for this source version makes it a no-op. */
export async function runEncodeJob(job: Job, context: JobContext, deps: EncodeJobDeps): Promise<Record<string, unknown>> {
  const preset = resolvePreset({ name: job.preset, file: job.presetFile ?? undefined });
  if (preset.hash !== job.presetHash) {
    throw new MpegflowError(`the preset '${job.preset}' changed since job ${job.id} was submitted`, {
      code: 'PRESET_CHANGED',
      suggestion:
        'submit the source again to encode it with the current preset; this job keeps the definition it was queued with out of caution',
    });
  }
  const result = await runEncode({
    source: parseObjectPath(job.source, deps.isAlias),
    preset,
    destination: destinationFrom(parseObjectPath(job.destination, deps.isAlias)),
    s3For: deps.s3For,
    workDir: deps.workDir,
    signal: context.signal,
    onProgress: deps.onProgress?.(job, context),
    ifExists: 'skip',
    maxOutputLines: deps.maxOutputLines,
    caFileFor: deps.caFileFor,
  });
  return {
    status: result.status,
    manifest: result.manifest,
    outputs: result.outputs.map((o) => ({ name: o.name, size: o.size })),
    bytesStored: result.bytesStored,
    durationSeconds: result.durationSeconds,
    attempts: result.attempts,
  };
}

/**
 * Whether a failed job goes back to the queue is a property of its error:
 * only failures marked retryable (storage unreachable or busy, a dropped
 * source read) are tried again; everything else (bad media, a bad preset, a
 * refused key, a missing object, ffmpeg failing, errors nobody classified)
 * fails the job now with its cause.
 */
export function classifyEncodeFailure(error: unknown): FailureVerdict {
  if (isMpegflowError(error)) {
    const message = error.suggestion ? `${error.message} (${error.suggestion})` : error.message;
    return { message, transient: error.retryable };
  }
  return { message: error instanceof Error ? error.message : String(error), transient: isRetryable(error) };
}
