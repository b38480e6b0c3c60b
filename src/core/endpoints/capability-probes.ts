import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as Minio from 'minio';
import { redactText } from '../audit/redact.ts';
import { signerOf } from '../s3/client.ts';
import { hashObject, listIncompleteUploads, MIN_PART_SIZE, readObject, uploadFile } from '../s3/objects.ts';
import { isMpegflowError } from '../errors.ts';
import { MinioAdminClient } from '../minio-admin/client.ts';
import { plainGet } from './http-get.ts';
import type { ResolvedEndpoint } from './model.ts';
import type { CapabilityId, CapabilityStatus } from './capability-catalogue.ts';

/** One probe per capability, each doing the operation the way MpegFlow does it. */
export type Outcome = { status: CapabilityStatus; detail: string };
export const supported = (detail: string): Outcome => ({ status: 'supported', detail });
export const unsupported = (detail: string): Outcome => ({ status: 'unsupported', detail });
export const unknown = (detail: string): Outcome => ({ status: 'unknown', detail });

/** A probe could not run because something it builds on failed: "could not tell". */
export class Prerequisite extends Error {}

interface S3LikeError {
  code?: string;
  message?: string;
  statusCode?: number;
}

const NOT_IMPLEMENTED = new Set(['NotImplemented', 'MethodNotAllowed', 'XNotImplemented', 'UnsupportedOperation']);

export function describeError(error: unknown): string {
  const e = error as S3LikeError;
  const text = redactText(e.message ?? String(error));
  return e.code && !text.includes(e.code) ? `${e.code}: ${text}` : text;
}

/** An error from a probe's operation: "not supported" when the store says it does not implement it. */
export function fromError(error: unknown, doing: string): Outcome {
  if (error instanceof Prerequisite) return unknown(error.message);
  const e = error as S3LikeError;
  if (NOT_IMPLEMENTED.has(e.code ?? '') || e.statusCode === 501) return unsupported(`${doing}: ${describeError(error)}`);
  return unknown(`${doing} failed: ${describeError(error)}`);
}

/** The <Code> of an S3 XML error body. */
function xmlCode(body: Buffer): string {
  return /<Code>([^<]+)<\/Code>/.exec(body.toString('utf8'))?.[1] ?? '';
}

function answer(res: { status: number; body: Buffer }): string {
  const code = xmlCode(res.body);
  return `HTTP ${res.status}${code ? ` ${code}` : ''}`;
}

export async function collect<T>(stream: AsyncIterable<unknown> | NodeJS.ReadableStream): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream as AsyncIterable<T>) items.push(item);
  return items;
}

/** minio-js declares setObjectLegalHold as returning void; it returns its promise. */
export function setLegalHold(
  s3: Minio.Client,
  bucket: string,
  key: string,
  status: 'ON' | 'OFF',
  versionId?: string | null,
): Promise<void> {
  return Promise.resolve(s3.setObjectLegalHold(bucket, key, { status, ...(versionId ? { versionId } : {}) }) as unknown as Promise<void>);
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const unquote = (etag: string) => etag.replace(/^"|"$/g, '');

export interface Scratch {
  s3: Minio.Client;
  endpoint: ResolvedEndpoint;
  bucket: string;
  prefix: string;
  timeoutMs: number;
  createBuckets: boolean;
  suffix: string;
  /** Buckets this run created, with whether they may hold versions (and so need every version removed). */
  created: Map<string, { versioned: boolean }>;
  server: string | null;
  sample?: { key: string; body: Buffer; etag: string; url: string };
  tempDir?: string;
}

async function throwawayBucket(ctx: Scratch, kind: 'versioned' | 'locked'): Promise<string> {
  const name = `mpegflow-check-${ctx.suffix}-${kind === 'locked' ? 'lock' : 'ver'}`;
  if (ctx.created.has(name)) return name;
  if (!ctx.createBuckets) throw new Prerequisite('needs a throwaway bucket, and --no-create-buckets forbids creating one');
  try {
    await ctx.s3.makeBucket(name, ctx.endpoint.region, kind === 'locked' ? { ObjectLocking: true } : undefined);
  } catch (error) {
    if (kind === 'locked') throw error;
    throw new Prerequisite(`could not create a throwaway bucket to try it in (${describeError(error)})`);
  }
  ctx.created.set(name, { versioned: true });
  return name;
}

async function sample(ctx: Scratch): Promise<NonNullable<Scratch['sample']>> {
  if (!ctx.sample) throw new Prerequisite('needs the test object, which could not be written (see object write, read, delete)');
  return ctx.sample;
}

export const PROBES: Record<CapabilityId, (ctx: Scratch) => Promise<Outcome>> = {
  async 'object-io'(ctx) {
    const key = `${ctx.prefix}sample.bin`;
    const body = randomBytes(64 * 1024);
    try {
      await ctx.s3.putObject(ctx.bucket, key, body, body.length, { 'Content-Type': 'application/octet-stream' });
    } catch (error) {
      return fromError(error, 'PUT');
    }
    const stat = await ctx.s3.statObject(ctx.bucket, key);
    const back = await readObject(ctx.s3, ctx.bucket, key);
    if (!back?.equals(body)) return unsupported(`read back ${back?.length ?? 0} bytes that differ from the ${body.length} written`);
    if (stat.size !== body.length) return unsupported(`HEAD says ${stat.size} bytes, ${body.length} were written`);
    const etag = unquote(stat.etag);
    const url = await ctx.s3.presignedGetObject(ctx.bucket, key, 600);
    ctx.sample = { key, body, etag, url };
    const gone = `${ctx.prefix}deleted.bin`;
    await ctx.s3.putObject(ctx.bucket, gone, Buffer.from('x'), 1);
    await ctx.s3.removeObject(ctx.bucket, gone);
    const stillThere = await ctx.s3.statObject(ctx.bucket, gone).then(
      () => true,
      () => false,
    );
    if (stillThere) return unsupported('a deleted object can still be read');
    return supported(
      `PUT, HEAD, GET and DELETE of ${body.length / 1024} KiB; ETag ${etag === md5(body) ? 'is the MD5 of the body' : `is not the body's MD5 (${etag})`}`,
    );
  },

  async listing(ctx) {
    const { etag } = await sample(ctx);
    await ctx.s3.putObject(ctx.bucket, `${ctx.prefix}dir/a.txt`, Buffer.from('a'), 1);
    const flat = await collect<{ name?: string; prefix?: string; etag?: string; size?: number }>(
      ctx.s3.listObjectsV2(ctx.bucket, ctx.prefix, false),
    );
    const deep = await collect<{ name?: string; etag?: string; size?: number }>(ctx.s3.listObjectsV2(ctx.bucket, ctx.prefix, true));
    const listed = deep.find((o) => o.name === `${ctx.prefix}sample.bin`);
    if (!listed) return unsupported(`the object written is not listed under its prefix (${deep.length} listed)`);
    if (unquote(listed.etag ?? '') !== etag) return unsupported(`the listing's ETag (${listed.etag}) differs from HEAD's (${etag})`);
    if (!deep.some((o) => o.name === `${ctx.prefix}dir/a.txt`)) return unsupported('a recursive listing misses the object in a sub-prefix');
    if (!flat.some((o) => o.prefix === `${ctx.prefix}dir/`) || flat.some((o) => o.name === `${ctx.prefix}dir/a.txt`))
      return unsupported('a listing with a delimiter does not group the sub-prefix');
    return supported('recursive and delimited listings, ETags match HEAD');
  },

  async 'presigned-range'(ctx) {
    const { url, body } = await sample(ctx);
    const res = await plainGet(url, { headers: { Range: 'bytes=1000-1999' }, caCert: ctx.endpoint.caCert, timeoutMs: ctx.timeoutMs });
    ctx.server ??= typeof res.headers.server === 'string' ? res.headers.server : null;
    if (res.status === 200) return unsupported('the Range header was ignored (HTTP 200 with the whole object): ffmpeg could not seek');
    if (res.status !== 206) return unsupported(`the presigned URL was refused: ${answer(res)}`);
    if (!res.body.equals(body.subarray(1000, 2000))) return unsupported('HTTP 206 with the wrong bytes');
    return supported(`HTTP 206, ${res.headers['content-range'] ?? 'no Content-Range'}`);
  },

  async 'presigned-if-match'(ctx) {
    const { url, etag } = await sample(ctx);
    const get = (value: string) =>
      plainGet(url, { headers: { Range: 'bytes=0-99', 'If-Match': value }, caCert: ctx.endpoint.caCert, timeoutMs: ctx.timeoutMs });
    const match = await get(`"${etag}"`);
    if (match.status !== 206 && match.status !== 200)
      return unsupported(`the object's own ETag in If-Match was refused (${answer(match)}): every S3 source would fail`);
    const stale = await get('"00000000000000000000000000000000"');
    if (stale.status !== 412)
      return unsupported(`a stale ETag in If-Match was not refused (${answer(stale)}): a source replaced during an encode goes unnoticed`);
    return supported('matching ETag served, a stale one refused (HTTP 412)');
  },

  async 'presigned-expiry'(ctx) {
    const { key } = await sample(ctx);
    // signed two hours ago for one minute: expired for any clock skew a server allows
    const url = await ctx.s3.presignedGetObject(ctx.bucket, key, 60, {}, new Date(Date.now() - 2 * 3600_000));
    const res = await plainGet(url, { caCert: ctx.endpoint.caCert, timeoutMs: ctx.timeoutMs });
    if (res.status >= 200 && res.status < 300) return unsupported(`an expired URL still served the object (HTTP ${res.status})`);
    if (res.status === 403 || res.status === 400) return supported(`an expired URL is refused (${answer(res)})`);
    return unknown(`an expired URL got ${answer(res)}`);
  },

  async multipart(ctx) {
    ctx.tempDir ??= await mkdtemp(path.join(os.tmpdir(), 'mpegflow-check-'));
    const file = path.join(ctx.tempDir, 'multipart.bin');
    const body = randomBytes(MIN_PART_SIZE + 256 * 1024);
    await writeFile(file, body);
    const key = `${ctx.prefix}multipart.bin`;
    let result;
    try {
      result = await uploadFile({ signer: signerOf(ctx.s3), bucket: ctx.bucket, key, file, partSize: MIN_PART_SIZE, partConcurrency: 2 });
    } catch (error) {
      return fromError(error, 'multipart upload');
    }
    const stored = await hashObject(ctx.s3, ctx.bucket, key);
    const sha256 = createHash('sha256').update(body).digest('hex');
    if (!stored || stored.size !== body.length || stored.sha256 !== sha256)
      return unsupported('the completed object differs from the parts sent');
    const etag = unquote(result.etag);
    return supported(
      `2 parts sent in parallel, completed; ETag ${/-\d+$/.test(etag) ? `in the multipart form (${etag.replace(/^.*-/, '…-')})` : `not in the multipart form (${etag})`}`,
    );
  },

  async 'multipart-abort'(ctx) {
    const key = `${ctx.prefix}incomplete.bin`;
    let uploadId: string;
    try {
      uploadId = await ctx.s3.initiateNewMultipartUpload(ctx.bucket, key, {});
    } catch (error) {
      return fromError(error, 'starting a multipart upload');
    }
    const listed = async () => (await listIncompleteUploads(ctx.s3, ctx.bucket, ctx.prefix)).some((u) => u.uploadId === uploadId);
    let seen: boolean;
    try {
      seen = await listed();
    } catch (error) {
      await ctx.s3.abortMultipartUpload(ctx.bucket, key, uploadId).catch(() => undefined);
      return fromError(error, 'listing incomplete uploads');
    }
    try {
      await ctx.s3.abortMultipartUpload(ctx.bucket, key, uploadId);
    } catch (error) {
      return fromError(error, 'aborting a multipart upload');
    }
    if (!seen) return unsupported('an incomplete upload is not listed under its prefix: leftovers of killed encodes cannot be found');
    if (await listed()) return unsupported('an aborted upload is still listed');
    return supported('an incomplete upload is listed under its prefix, and gone once aborted');
  },

  async metadata(ctx) {
    const key = `${ctx.prefix}index.m3u8`;
    const body = Buffer.from('#EXTM3U\n');
    await ctx.s3.putObject(ctx.bucket, key, body, body.length, {
      'Content-Type': 'application/vnd.apple.mpegurl',
      'X-Amz-Meta-Mpegflow-Check': 'kept',
    });
    const stat = await ctx.s3.statObject(ctx.bucket, key);
    const meta = Object.fromEntries(Object.entries(stat.metaData ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const url = await ctx.s3.presignedGetObject(ctx.bucket, key, 300);
    const res = await plainGet(url, { caCert: ctx.endpoint.caCert, timeoutMs: ctx.timeoutMs });
    const served = String(res.headers['content-type'] ?? '');
    const user = meta['mpegflow-check'] ?? meta['x-amz-meta-mpegflow-check'];
    if (served !== 'application/vnd.apple.mpegurl')
      return unsupported(`a playlist stored as application/vnd.apple.mpegurl is served as '${served}'`);
    if (user !== 'kept') return unsupported('user metadata (x-amz-meta-*) was dropped');
    return supported('Content-Type served as stored, x-amz-meta-* kept');
  },

  async 'server-side-copy'(ctx) {
    const { key, body, etag } = await sample(ctx);
    const target = `${ctx.prefix}copy.bin`;
    try {
      await ctx.s3.copyObject(
        new Minio.CopySourceOptions({ Bucket: ctx.bucket, Object: key }),
        new Minio.CopyDestinationOptions({ Bucket: ctx.bucket, Object: target }),
      );
    } catch (error) {
      return fromError(error, 'CopyObject');
    }
    const copy = await readObject(ctx.s3, ctx.bucket, target);
    if (!copy?.equals(body)) return unsupported('the copy differs from the original');
    const copyEtag = unquote((await ctx.s3.statObject(ctx.bucket, target)).etag);
    return supported(`CopyObject within the bucket${copyEtag === etag ? ', same ETag' : `, new ETag (${copyEtag})`}`);
  },

  async versioning(ctx) {
    let bucket: string;
    try {
      bucket = await throwawayBucket(ctx, 'versioned');
    } catch (error) {
      // the operator's bucket is never changed, but its configuration still tells whether the API is there
      const config = (await ctx.s3.getBucketVersioning(ctx.bucket).catch(() => null)) as { Status?: string } | null;
      if (config)
        return unknown(
          `${(error as Error).message}; bucket '${ctx.bucket}' answers GetBucketVersioning (${config.Status ?? 'never enabled'})`,
        );
      throw error;
    }
    try {
      await ctx.s3.setBucketVersioning(bucket, { Status: 'Enabled' });
    } catch (error) {
      return fromError(error, 'enabling versioning');
    }
    const key = `${ctx.prefix}versioned.txt`;
    const first = await ctx.s3.putObject(bucket, key, Buffer.from('one'), 3);
    const second = await ctx.s3.putObject(bucket, key, Buffer.from('second'), 6);
    if (!first.versionId || first.versionId === 'null' || first.versionId === second.versionId)
      return unsupported('no distinct version ids returned on PUT');
    const old = await ctx.s3.statObject(bucket, key, { versionId: first.versionId });
    if (old.size !== 3) return unsupported('the older version cannot be read by its version id');
    // MpegFlow's replicate setup reads the state back through the SDK
    const status = await ctx.s3.getBucketVersioning(bucket).then(
      (config) => (config as { Status?: string } | undefined)?.Status ?? 'unset',
      (error: unknown) => describeError(error),
    );
    const readBack =
      status === 'Enabled'
        ? 'GetBucketVersioning says Enabled'
        : `but GetBucketVersioning reads back as '${status}' (not the standard VersioningConfiguration answer)`;
    return supported(`enabled on a throwaway bucket; two versions kept, the older one read by version id; ${readBack}`);
  },

  async 'object-lock'(ctx) {
    let bucket: string;
    try {
      bucket = await throwawayBucket(ctx, 'locked');
    } catch (error) {
      return fromError(error, 'creating a bucket with Object Lock');
    }
    // the SDK cannot parse a configuration without a default-retention rule (moto's answer): a TypeError is not the store's refusal
    const lock = await (ctx.s3.getObjectLockConfig(bucket) as unknown as Promise<Minio.ObjectLockInfo>).catch((error: unknown) => error);
    if (lock instanceof Error && !(lock instanceof TypeError)) return fromError(lock, 'reading the bucket Object Lock configuration');
    if (!(lock instanceof Error) && (lock as { objectLockEnabled?: string }).objectLockEnabled !== 'Enabled')
      return unsupported('a bucket created with Object Lock reads back without it');
    const key = `${ctx.prefix}locked.txt`;
    const { versionId } = await ctx.s3.putObject(bucket, key, Buffer.from('worm'), 4);
    if (!versionId) return unsupported('no version id on a PUT into an Object Lock bucket');
    const retainUntilDate = new Date(Date.now() + 30_000).toISOString();
    try {
      await ctx.s3.putObjectRetention(bucket, key, { mode: 'GOVERNANCE', retainUntilDate, versionId });
    } catch (error) {
      return fromError(error, 'PutObjectRetention');
    }
    // an empty answer (no Retention document) makes the SDK throw a TypeError
    const retention = await ctx.s3.getObjectRetention(bucket, key, { versionId }).then(
      (r) => r?.mode ?? 'nothing',
      (error: unknown) => (error instanceof TypeError ? 'an empty answer' : `an error (${describeError(error)})`),
    );
    const deleteRefused = await ctx.s3.removeObject(bucket, key, { versionId }).then(
      () => false,
      () => true,
    );
    try {
      await setLegalHold(ctx.s3, bucket, key, 'ON', versionId);
    } catch (error) {
      return fromError(error, 'PutObjectLegalHold');
    }
    // the SDK's declared string is, in fact, the parsed <LegalHold> document
    const hold = await ctx.s3.getObjectLegalHold(bucket, key, { versionId }).then(
      (h) => (typeof h === 'string' ? h : ((h as { Status?: string } | undefined)?.Status ?? 'nothing')),
      (error: unknown) => (error instanceof TypeError ? 'an empty answer' : `an error (${describeError(error)})`),
    );
    await setLegalHold(ctx.s3, bucket, key, 'OFF', versionId).catch(() => undefined);
    const facts = [
      retention === 'GOVERNANCE' ? 'GOVERNANCE retention reads back' : `retention accepted but reads back as ${retention}`,
      deleteRefused ? 'a delete without the bypass is refused' : 'a version under retention was deleted without the bypass header',
      hold === 'ON' ? 'legal hold set and cleared' : `legal hold accepted but reads back as ${hold}`,
    ];
    const ok = retention === 'GOVERNANCE' && deleteRefused && hold === 'ON';
    return (ok ? supported : unsupported)(`${facts.join('; ')} (throwaway bucket)`);
  },

  async 'replication-api'(ctx) {
    const bucket = await throwawayBucket(ctx, 'versioned');
    try {
      const config = await ctx.s3.getBucketReplication(bucket);
      return supported(`GetBucketReplication answers (${JSON.stringify(config).slice(0, 60)})`);
    } catch (error) {
      const code = (error as S3LikeError).code ?? '';
      if (code === 'ReplicationConfigurationNotFoundError' || code === 'NoSuchReplicationConfiguration')
        return supported(`GetBucketReplication answers (${code} on a new bucket); rules need a remote target, not tried`);
      return fromError(error, 'GetBucketReplication');
    }
  },

  async 'admin-api'(ctx) {
    try {
      const info = await new MinioAdminClient(ctx.endpoint, { timeoutMs: ctx.timeoutMs, retries: 0 }).serverInfo();
      const version = info.servers?.find((s) => s.version)?.version ?? '?';
      return supported(`MinIO ${version} (${info.mode}), ${info.servers?.length ?? 0} node(s)`);
    } catch (error) {
      if (!isMpegflowError(error)) return fromError(error, 'server info');
      if (error.code === 'NO_ADMIN_API' || error.code === 'NOT_MINIO')
        return unsupported(`${error.message.replace(/^endpoint '[^']*' \([^)]*\) /, '')}`);
      return unknown(error.message);
    }
  },
};

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Prerequisite(`no answer within ${Math.round(ms / 1000)} s`)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}
