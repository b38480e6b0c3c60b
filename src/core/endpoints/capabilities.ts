import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { abortIncompleteUploads } from '../s3/objects.ts';
import { MpegflowError } from '../errors.ts';
import type { ResolvedEndpoint } from './model.ts';
import { createS3Client } from '../s3/client.ts';
import { CAPABILITIES, type Capability, type EndpointCapabilities } from './capability-catalogue.ts';
import { collect, describeError, fromError, PROBES, setLegalHold, withTimeout, type Outcome, type Scratch } from './capability-probes.ts';

/**
 * What an S3 store can really do, probed in a throwaway place (a prefix
 * `.mpegflow-check-<random>/` in a bucket the operator names, and throwaway
 * buckets for the bucket-level features), everything removed afterwards.
 * Each probe does the operation MpegFlow does, the way it does it: presigned
 * URLs are fetched with plain HTTP as ffmpeg fetches them, multipart uploads go
 * through the encoder's own uploader.
 */

export interface CheckOptions {
  endpoint: ResolvedEndpoint;
  /** An existing bucket for the object probes; without it a throwaway bucket is created. */
  bucket?: string;
  /** May create (and remove) throwaway buckets: needed for versioning, Object Lock and the replication API. */
  createBuckets?: boolean;
  /** Per probe. */
  timeoutMs?: number;
  /** Called as each probe finishes (progress on stderr). */
  onProbe?: (capability: Capability) => void;
}

async function removeEverything(ctx: Scratch, bucket: string, prefix: string, versioned: boolean): Promise<number> {
  await abortIncompleteUploads(ctx.s3, bucket, prefix).catch(() => undefined);
  const items = await collect<{ name: string; versionId?: string | null }>(
    ctx.s3.listObjects(bucket, prefix, true, versioned ? { IncludeVersion: true } : undefined),
  );
  let left = 0;
  for (const item of items) {
    const opts = versioned && item.versionId ? { versionId: item.versionId, governanceBypass: true } : {};
    await setLegalHold(ctx.s3, bucket, item.name, 'OFF', item.versionId).catch(() => undefined);
    await ctx.s3.removeObject(bucket, item.name, opts).catch(() => left++);
  }
  return left;
}

/** Removes what the probes made; when a store ignores the governance bypass, waits out the short retention once. */
async function cleanUp(ctx: Scratch): Promise<{ ok: boolean; detail: string }> {
  const problems: string[] = [];
  if (ctx.tempDir) await rm(ctx.tempDir, { recursive: true, force: true });
  if (!ctx.created.has(ctx.bucket)) {
    try {
      const left = await removeEverything(ctx, ctx.bucket, ctx.prefix, false);
      if (left > 0) problems.push(`${left} object(s) left under ${ctx.bucket}/${ctx.prefix}`);
    } catch (error) {
      problems.push(`${ctx.bucket}/${ctx.prefix}: ${describeError(error)}`);
    }
  }
  for (const [bucket, { versioned }] of ctx.created) {
    let removed = false;
    for (let attempt = 0; attempt < 2 && !removed; attempt++) {
      try {
        await removeEverything(ctx, bucket, '', versioned);
        await ctx.s3.removeBucket(bucket);
        removed = true;
      } catch (error) {
        if (attempt === 0) await sleep(32_000);
        else problems.push(`bucket ${bucket}: ${describeError(error)}`);
      }
    }
  }
  const made = [
    ...(ctx.created.has(ctx.bucket) ? [] : [`${ctx.bucket}/${ctx.prefix}`]),
    ...[...ctx.created.keys()].map((b) => `bucket ${b}`),
  ];
  return problems.length === 0
    ? { ok: true, detail: `removed ${made.join(', ')}` }
    : { ok: false, detail: `left behind: ${problems.join('; ')}` };
}

/** Probes every capability in the catalogue against an endpoint, then removes what it made. */
export async function checkCapabilities(options: CheckOptions): Promise<EndpointCapabilities> {
  const { endpoint } = options;
  const s3 = createS3Client(endpoint);
  const suffix = randomBytes(4).toString('hex');
  const ctx: Scratch = {
    s3,
    endpoint,
    bucket: options.bucket ?? `mpegflow-check-${suffix}`,
    prefix: `.mpegflow-check-${suffix}/`,
    timeoutMs: options.timeoutMs ?? 30_000,
    createBuckets: options.createBuckets ?? true,
    suffix,
    created: new Map(),
    server: null,
  };
  if (options.bucket) {
    const exists = await s3.bucketExists(options.bucket).catch((error: unknown) => {
      throw new MpegflowError(
        `endpoint '${endpoint.name}' (${endpoint.url}) could not be asked about bucket '${options.bucket}': ${describeError(error)}`,
        {
          code: 'S3_FAILED',
          suggestion: `check the endpoint with \`mpegflow endpoint test ${endpoint.name}\``,
        },
      );
    });
    if (!exists)
      throw new MpegflowError(`bucket '${options.bucket}' does not exist on endpoint '${endpoint.name}'`, {
        code: 'BUCKET_NOT_FOUND',
        suggestion: 'name an existing bucket with --bucket, or leave it out to let the check create a throwaway bucket',
      });
  } else {
    if (!ctx.createBuckets)
      throw new MpegflowError('--no-create-buckets needs --bucket: the probes need somewhere to write', { code: 'USAGE' });
    try {
      await s3.makeBucket(ctx.bucket, endpoint.region);
    } catch (error) {
      throw new MpegflowError(`could not create a throwaway bucket on endpoint '${endpoint.name}' (${describeError(error)})`, {
        code: 'S3_FAILED',
        suggestion: 'give a bucket the key may write to with --bucket BUCKET (the probes use a throwaway prefix in it and remove it)',
      });
    }
    ctx.created.set(ctx.bucket, { versioned: false });
  }

  const capabilities: Capability[] = [];
  try {
    for (const entry of CAPABILITIES) {
      let outcome: Outcome;
      try {
        outcome = await withTimeout(PROBES[entry.id](ctx), ctx.timeoutMs);
      } catch (error) {
        outcome = fromError(error, 'the probe');
      }
      const capability: Capability = { ...entry, ...outcome };
      capabilities.push(capability);
      options.onProbe?.(capability);
    }
  } catch (error) {
    await cleanUp(ctx);
    throw error;
  }
  const cleanup = await cleanUp(ctx);
  return {
    endpoint: endpoint.name,
    url: endpoint.url,
    server: ctx.server,
    scratch: { bucket: ctx.bucket, prefix: ctx.prefix, bucketCreated: ctx.created.has(ctx.bucket) },
    encodingReady: capabilities.every((c) => !c.requiredForEncoding || c.status === 'supported'),
    capabilities,
    cleanup,
  };
}
