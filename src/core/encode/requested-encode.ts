import type { AuditContext } from '../audit/context.ts';
import { parseObjectPath, type ObjectLocation } from '../endpoints/object-path.ts';
import { formatLocation } from '../notation.ts';
import { storageResolver } from '../endpoints/storage.ts';
import { encodeEntitlements } from '../license/encode-allowance.ts';
import { parseRetention } from '../routing/validate.ts';
import type { RetentionSet } from '../routing/retention.ts';
import type { Db } from '../store/open.ts';
import type { ProgressListener } from './ffmpeg/progress.ts';
import type { EncodeResult, RetainedEncodeResult } from './outputs/encode-result.ts';
import { defaultDestination, destinationFrom, formatDestination } from './outputs/locations.ts';
import { encodeReplacing } from './outputs/replace.ts';
import { RetentionLock } from './outputs/retention-lock.ts';
import type { QualityThresholds } from './planning/quality.ts';
import { runEncode } from './pipeline.ts';
import { resolvePreset } from './presets/presets.ts';

/** `mpegflow encode` as asked for on the command line. */
export interface EncodeRequest {
  source: string;
  /** A local folder or ALIAS/BUCKET/PREFIX/; default beside the source. */
  to?: string;
  preset: string;
  presetFile?: string;
  force: boolean;
  retain?: string;
  retentionMode?: string;
  legalHold?: boolean;
  workDir?: string;
  /** The quality gate's thresholds (false: no gate), read as the encode starts: a usage error in them ends the progress display. */
  quality: () => Partial<QualityThresholds> | false;
}

/** What shows the encode's progress: made once source and destination are known, finished with the outcome. */
export interface EncodeProgressDisplay {
  listener: ProgressListener;
  finish(error?: unknown): Promise<void>;
}

export interface RequestedEncodeDeps {
  db: Db;
  audit: AuditContext;
  /** Told when an endpoint's name is also a folder here. */
  onNote: (message: string) => void;
  progress: (labels: { source: string; destination: string; replacing: boolean }) => Promise<EncodeProgressDisplay>;
  /** Runs the encode itself with a signal that a Ctrl-C aborts. */
  interruptible: <R>(work: (signal: AbortSignal) => Promise<R>) => Promise<R>;
}

/**
 * One encode from the command line: the license gate, where from and to, the
 * Object Lock check before anything starts (retention is set as the outputs
 * are published, before the manifest), the run (replacing a published
 * encode whole with --force in a bucket), and the audit entry.
 */
export async function runRequestedEncode(request: EncodeRequest, deps: RequestedEncodeDeps): Promise<RetainedEncodeResult> {
  const { db } = deps;
  const entitlements = await encodeEntitlements(db);
  const endpoints = await storageResolver(db);
  const paths = { ...endpoints, onNote: deps.onNote };
  const source = parseObjectPath(request.source, paths);
  const preset = resolvePreset({ name: request.preset, file: request.presetFile });
  const destination =
    request.to !== undefined ? destinationFrom(parseObjectPath(request.to, paths)) : defaultDestination(source, preset.name);
  const retention = parseRetention(request);
  const retentionLock = retention ? await RetentionLock.prepare(retention, destination, endpoints.s3For) : null;
  const replacing = request.force && destination.kind === 'remote';
  const progress = await deps.progress({
    source: formatLocation(source),
    destination: formatDestination(destination),
    replacing,
  });
  let result: EncodeResult;
  try {
    result = await deps.interruptible((signal) => {
      const options = {
        source,
        preset,
        workDir: request.workDir,
        s3For: endpoints.s3For,
        onProgress: progress.listener,
        signal,
        maxOutputLines: entitlements.limits.maxResolution,
        quality: request.quality(),
        lock: retentionLock?.lock,
      };
      // a published encode in a bucket is replaced only once the new one is whole
      if (request.force && destination.kind === 'remote') return encodeReplacing({ ...options, destination });
      return runEncode({ ...options, destination, ifExists: request.force ? 'overwrite' : 'skip' });
    });
    await progress.finish();
  } catch (error) {
    await progress.finish(error);
    throw error;
  }
  await retentionLock?.lockSkipped(result);
  const retentionSet = retentionLock?.set ?? null;
  await deps.audit.record(db, { target: result.destination, detail: encodeAuditDetail(source, result, retentionSet) });
  return retention ? { ...result, retention: retentionSet } : result;
}

/** What the audit entry of an encode says about it. */
export function encodeAuditDetail(source: ObjectLocation, result: EncodeResult, retention: RetentionSet | null): Record<string, unknown> {
  return {
    source: formatLocation(source),
    preset: result.preset.name,
    presetHash: result.preset.hash,
    status: result.status,
    outputs: result.outputs.length,
    bytes: result.bytesStored,
    retention,
  };
}
