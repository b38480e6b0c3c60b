import type { AuditContext } from '../audit/context.ts';
import { destinationFrom } from '../encode/outputs/locations.ts';
import { resolvePreset } from '../encode/presets/presets.ts';
import { parseObjectPath } from '../endpoints/object-path.ts';
import { storageResolver, type StorageResolver } from '../endpoints/storage.ts';
import { MpegflowError } from '../errors.ts';
import { hostName } from '../host.ts';
import { routedJobSpecs } from '../routing/plan.ts';
import { listRoutes } from '../routing/repository.ts';
import { checkValue } from '../routing/template.ts';
import { requireObjectLock } from '../s3/object-lock.ts';
import type { Db } from '../store/open.ts';
import type { JobSpec } from './model.ts';
import { jobSpecs } from './plan-submit.ts';
import { expandSources, type ExpandedSource } from './sources.ts';
import { SpecSpool } from './spool.ts';
import { queueJobs, SubmitTally, withoutLiveJobs, type SubmitResult } from './submit.ts';

/** `mpegflow job submit` as asked for on the command line. */
export interface SubmitRequest {
  inputs: string[];
  recursive: boolean;
  preset: string;
  presetFile?: string;
  to?: string;
  /** `auto` or the name of one rule: presets and destinations from the routing rules instead of --preset/--to. */
  route?: string;
  customer?: string;
  class?: string;
  priority: number;
  maxAttempts: number;
}

export interface SubmitDeps {
  db: Db;
  audit: () => Promise<AuditContext>;
  /** Told when an endpoint's name is also a folder here. */
  onNote: (message: string) => void;
  /** Runs the submission with a signal that a Ctrl-C aborts. */
  interruptible: <R>(work: (signal: AbortSignal) => Promise<R>) => Promise<R>;
}

/**
 * Queues the jobs of a submission, all or none: the sources are listed and
 * every job decided (by the routing rules, or one preset and destination)
 * into a spool first, the buckets of retained outputs are checked for Object
 * Lock, then the jobs are queued in one go. A Ctrl-C stops the listing or
 * rolls the queueing back, and queues nothing (exit 130).
 */
export async function submitRequested(request: SubmitRequest, deps: SubmitDeps): Promise<SubmitResult> {
  const { db } = deps;
  const storage = await storageResolver(db);
  const retainedBuckets = new Set<string>();
  const tally = new SubmitTally();
  return deps.interruptible(async (signal) => {
    const sources = expandSources({
      inputs: request.inputs,
      recursive: request.recursive,
      isAlias: storage.isAlias,
      aliases: storage.aliases,
      s3For: storage.s3For,
      // routing reads each object's customer and class: from the listing where the store can say them (MinIO), not a HEAD each
      metadata: Boolean(request.route) && (request.customer === undefined || request.class === undefined),
      signal,
      onNotMedia: (source) => tally.leftOut(source),
    });
    const specs = request.route
      ? await routedSpecs(sources, request, request.route, { db, storage, signal, onRetainedBucket: (b) => retainedBuckets.add(b) })
      : presetSpecs(sources, request, { ...storage, onNote: deps.onNote });
    let spool;
    try {
      // the whole listing (and every routing decision) first, kept on disk: a failure there queues nothing
      spool = await SpecSpool.fill(withoutLiveJobs(db, specs, tally));
      for (const bucket of retainedBuckets) {
        const [alias, name] = bucket.split('/') as [string, string];
        await requireObjectLock(storage.s3For(alias), alias, name);
      }
      const audit = await deps.audit();
      return await queueJobs({ db, audit, keyed: spool.read(signal), tally, maxAttempts: request.maxAttempts });
    } catch (error) {
      if (!signal.aborted) throw error;
      throw new MpegflowError('the submission was cancelled: nothing was queued', { code: 'CANCELLED', cause: error });
    } finally {
      spool?.remove();
    }
  });
}

/** --route: each source gets the jobs of the rule that applies to it (or of the one rule named). */
async function routedSpecs(
  sources: AsyncIterable<ExpandedSource[]>,
  request: SubmitRequest,
  route: string,
  {
    db,
    storage,
    signal,
    onRetainedBucket,
  }: { db: Db; storage: StorageResolver; signal: AbortSignal; onRetainedBucket: (bucket: string) => void },
): Promise<AsyncIterable<JobSpec[]>> {
  return routedJobSpecs(sources, {
    routes: await listRoutes(db),
    route,
    given: { customer: request.customer, class: request.class },
    s3For: storage.s3For,
    isAlias: storage.isAlias,
    aliases: storage.aliases,
    presetFor: (name) => resolvePreset({ name }),
    priority: request.priority,
    host: hostName(),
    onRetainedBucket,
    signal,
  });
}

/** --preset/--preset-file and --to: one job per source, the same preset and destination rule for all. */
function presetSpecs(
  sources: AsyncIterable<ExpandedSource[]>,
  request: SubmitRequest,
  paths: StorageResolver & { onNote: (message: string) => void },
): AsyncIterable<JobSpec[]> {
  return jobSpecs(sources, {
    preset: resolvePreset({ name: request.preset, file: request.presetFile }),
    to: request.to !== undefined ? destinationFrom(parseObjectPath(request.to, paths)) : null,
    priority: request.priority,
    single: request.inputs.length === 1 && !request.recursive,
    customer: request.customer ? checkValue('customer', request.customer) : null,
    class: request.class ? checkValue('class', request.class) : null,
  });
}
