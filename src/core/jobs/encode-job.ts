import type { Client } from 'minio';
import { MpegflowError, isMpegflowError } from '../errors.ts';
import { isRetryable } from '../s3/errors.ts';
import { parseObjectPath } from '../endpoints/object-path.ts';
import { destinationFrom, MANIFEST_NAME, outputKey, type DestinationLocation } from '../encode/outputs/locations.ts';
import { applyRetention, objectRetention } from '../routing/retention.ts';
import type { PublishLock } from '../s3/object-lock.ts';
import { runEncode } from '../encode/pipeline.ts';
import { manifestLocation } from '../encode/outputs/encode-result.ts';
import { destinationManifest, discard, promote, stagingFor } from '../encode/outputs/staging.ts';
import type { ProgressListener } from '../encode/ffmpeg/progress.ts';
import { resolvePreset } from '../encode/presets/presets.ts';
import type { Job } from './model.ts';
import type { RecordedUpload } from './job-uploads.ts';
import type { FailureVerdict, JobContext, JobOutcome } from './worker.ts';

export interface EncodeJobDeps {
  isAlias: (name: string) => boolean;
  s3For: (alias: string) => Client;
  workDir?: string;
  /** The licensed highest output resolution, in lines. */
  maxOutputLines?: number;
  /** Progress of each job, e.g. for a log; the caller decides what to keep. */
  onProgress?: (job: Job, listener: JobContext) => ProgressListener;
}

/**
 * Runs one queued encode into a staging location of its own lease generation
 * and returns how to publish it (see staging.ts): a manifest already at the
 * destination for this source version makes it a no-op.
 */
export async function runEncodeJob(job: Job, context: JobContext, deps: EncodeJobDeps): Promise<JobOutcome> {
  const preset = resolvePreset({ name: job.preset, file: job.presetFile ?? undefined });
  if (preset.hash !== job.presetHash) {
    throw new MpegflowError(`the preset '${job.preset}' changed since job ${job.id} was submitted`, {
      code: 'PRESET_CHANGED',
      suggestion:
        'submit the source again to encode it with the current preset; this job keeps the definition it was queued with out of caution',
    });
  }
  const source = parseObjectPath(job.source, deps.isAlias);
  const destination = destinationFrom(parseObjectPath(job.destination, deps.isAlias));
  const client = destination.kind === 'remote' ? deps.s3For(destination.alias) : undefined;
  if (!context.earlierAttemptsCleared) await clearEarlierAttempts(job, destination, { ...context.uploads, s3For: deps.s3For });
  const staging = stagingFor(destination, job.id, job.leaseGeneration);
  const result = await runEncode({
    source,
    preset,
    destination: staging,
    s3For: deps.s3For,
    workDir: deps.workDir,
    signal: context.signal,
    onProgress: deps.onProgress?.(job, context),
    manifestAt: destination,
    ifExists: 'skip',
    maxOutputLines: deps.maxOutputLines,
    multipart: {
      started: ({ bucket, key, uploadId }) =>
        context.uploads.started({ alias: staging.kind === 'remote' ? staging.alias : '', bucket, key, uploadId }),
      finished: (uploadId) => context.uploads.finished(uploadId),
    },
  });
  const summary = {
    status: result.status,
    manifest: result.manifest,
    outputs: result.outputs.map((o) => ({ name: o.name, size: o.size })),
    bytesStored: result.bytesStored,
    durationSeconds: result.durationSeconds,
    attempts: result.attempts,
  };
  return publication(job, summary, destination, job.leaseGeneration, client);
}

/**
 * How a finished attempt's outputs are put in place (under the confirmed lease) or dropped: its staging
 * promoted to the destination with the job's retention, or, when the encode was already at the destination,
 * only that retention set. The worker that holds the keys runs it; a broker runs it for keyless workers.
 */
export async function publication(
  job: Job,
  summary: Record<string, unknown>,
  destination: DestinationLocation,
  generation: number,
  client: Client | undefined,
): Promise<JobOutcome> {
  const staging = stagingFor(destination, job.id, generation);
  const lock = retentionLock(job, destination, client);
  if (summary.status === 'skipped') {
    // an earlier attempt published; it may have stopped before its retention was set
    const published = lock ? await destinationManifest(destination, client) : null;
    if (!lock || !published || destination.kind !== 'remote') return { result: summary };
    return {
      result: summary,
      publish: () =>
        lock.objects([
          ...published.outputs.map((o) => outputKey(destination.prefix, o.name)),
          outputKey(destination.prefix, MANIFEST_NAME),
        ]),
    };
  }
  const manifest = await destinationManifest(staging, client);
  if (!manifest) throw new MpegflowError(`the staged encode of job ${job.id} has no manifest`, { code: 'STAGING_LOST' });
  return {
    result: { ...summary, manifest: manifestLocation(destination), retention: job.retention ?? null },
    publish: () => promote(staging, destination, manifest, client, { lock }),
    discard: () => discard(staging, client),
  };
}

/** S3 Object Lock for a job's outputs, set when they are published (the period starts then). */
function retentionLock(job: Job, destination: DestinationLocation, client: Client | undefined): PublishLock | undefined {
  const retention = job.retention;
  if (!retention) return undefined;
  if (destination.kind !== 'remote' || !client) {
    throw new MpegflowError(`job ${job.id} asks for retention, which only a bucket with Object Lock can hold`, {
      code: 'OBJECT_LOCK_MISSING',
      suggestion: 'route retained outputs to ALIAS/BUCKET/PREFIX on a bucket made with Object Lock',
    });
  }
  const from = new Date();
  return {
    objects: async (keys) => {
      await applyRetention(client, destination.alias, destination.bucket, keys, retention, from);
    },
    onWrite: () => objectRetention(retention, from),
  };
}

/** What killed or stalled earlier attempts left: their staging and their unfinished multipart uploads. */
export async function clearEarlierAttempts(
  job: Job,
  destination: DestinationLocation,
  deps: { stale: () => Promise<RecordedUpload[]>; finished: (uploadId: string) => Promise<void>; s3For: (alias: string) => Client },
): Promise<void> {
  if (job.leaseGeneration <= 1) return;
  for (const upload of await deps.stale()) {
    await deps
      .s3For(upload.alias)
      .abortMultipartUpload(upload.bucket, upload.key, upload.uploadId)
      .catch(() => undefined);
    await deps.finished(upload.uploadId);
  }
  for (let generation = 1; generation < job.leaseGeneration; generation++) {
    const old = stagingFor(destination, job.id, generation);
    await discard(old, old.kind === 'remote' ? deps.s3For(old.alias) : undefined).catch(() => undefined);
  }
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
    // a gate's scores stay with the job: the same input scores the same again, so it is not retried
    const quality = error.details?.quality;
    return { message, transient: error.retryable, ...(quality ? { result: { quality } } : {}) };
  }
  return { message: error instanceof Error ? error.message : String(error), transient: isRetryable(error) };
}
