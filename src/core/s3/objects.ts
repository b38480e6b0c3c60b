import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Client } from 'minio';
import { MpegflowError } from '../errors.ts';
import { withRetry } from '../retry.ts';

/**
 * The S3 operations the encode pipeline needs, on the minio SDK. minio-js
 * 8.0.x uploads multipart parts one after another; `uploadFile` sends them
 * concurrently with the SDK's own part primitives and hashes the file on the
 * way (sha256 for the manifest), reading each byte once.
 */

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MAX_PARTS = 10_000;

const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.mp4': 'video/mp4',
  '.mkv': 'video/x-matroska',
  '.jpg': 'image/jpeg',
  '.vtt': 'text/vtt',
  '.json': 'application/json',
  '.framemd5': 'text/plain; charset=utf-8',
};

export function contentTypeFor(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 && CONTENT_TYPES[name.slice(dot)]) || 'application/octet-stream';
}

interface S3LikeError {
  code?: string;
}

export interface UploadResult {
  size: number;
  sha256: string;
  etag: string;
}

export interface UploadFileOptions {
  client: Client;
  bucket: string;
  key: string;
  file: string;
  partSize?: number;
  partConcurrency?: number;
  signal?: AbortSignal;
  /** Bytes sent so far for this object (called after each part). */
  onBytes?: (bytes: number) => void;
  onMultipart?: MultipartHooks;
}

/** Told of each multipart upload before its first part and once it is completed or aborted (a queue records them for takeovers). */
export interface MultipartHooks {
  started: (upload: { bucket: string; key: string; uploadId: string }) => Promise<void>;
  finished: (uploadId: string) => Promise<void>;
}

function aborted(): MpegflowError {
  return new MpegflowError('the upload was cancelled', { code: 'CANCELLED', exitCode: 130 });
}

/**
 * Uploads one local file: a single PUT below the part size, otherwise a
 * multipart upload with `partConcurrency` parts in flight. A failed or
 * cancelled multipart upload is aborted before this returns.
 */
export async function uploadFile(options: UploadFileOptions): Promise<UploadResult> {
  const { client, bucket, key, signal } = options;
  const handle = await open(options.file, 'r');
  try {
    const { size } = await handle.stat();
    const basePart = Math.max(MIN_PART_SIZE, options.partSize ?? DEFAULT_PART_SIZE);
    const partSize = Math.max(basePart, Math.ceil(size / (MAX_PARTS - 1) / (1024 * 1024)) * 1024 * 1024);
    const headers = { 'Content-Type': contentTypeFor(key) };
    if (size <= partSize) {
      const buffer = await readPart(handle, options.file, 0, size);
      const sha256 = createHash('sha256').update(buffer).digest('hex');
      if (signal?.aborted) throw aborted();
      const etag = await withRetry(
        () => sendBody(client, { method: 'PUT', bucketName: bucket, objectName: key, headers }, buffer, sha256),
        { signal },
      );
      options.onBytes?.(size);
      return { size, sha256, etag };
    }
    return await multipart(options, handle, size, partSize, headers);
  } finally {
    await handle.close();
  }
}

async function multipart(
  options: UploadFileOptions,
  handle: Awaited<ReturnType<typeof open>>,
  size: number,
  partSize: number,
  headers: Record<string, string>,
): Promise<UploadResult> {
  const { client, bucket, key, signal } = options;
  const concurrency = Math.max(1, options.partConcurrency ?? 4);
  const uploadId = await withRetry(() => client.initiateNewMultipartUpload(bucket, key, headers), { signal });
  await options.onMultipart?.started({ bucket, key, uploadId });
  const hash = createHash('sha256');
  const etags: { part: number; etag: string }[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let sent = 0;
  try {
    let partNumber = 0;
    for (let offset = 0; offset < size; offset += partSize) {
      if (signal?.aborted) throw aborted();
      if (failure) throw failure;
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (failure) throw failure;
      const length = Math.min(partSize, size - offset);
      const chunk = await readPart(handle, options.file, offset, length);
      hash.update(chunk);
      const part = ++partNumber;
      const partSha256 = createHash('sha256').update(chunk).digest('hex');
      const query = `partNumber=${part}&uploadId=${encodeURIComponent(uploadId)}`;
      const task = withRetry(
        () => sendBody(client, { method: 'PUT', bucketName: bucket, objectName: key, query, headers: {} }, chunk, partSha256),
        { signal },
      )
        .then((etag) => {
          etags.push({ part, etag });
          sent += length;
          options.onBytes?.(sent);
        })
        .catch((error: unknown) => {
          failure ??= error;
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    if (signal?.aborted) throw aborted();
    etags.sort((a, b) => a.part - b.part);
    const done = await withRetry(() => client.completeMultipartUpload(bucket, key, uploadId, etags), { signal });
    await options.onMultipart?.finished(uploadId);
    return { size, sha256: hash.digest('hex'), etag: done.etag };
  } catch (error) {
    await Promise.allSettled(inFlight);
    await client.abortMultipartUpload(bucket, key, uploadId).then(
      () => options.onMultipart?.finished(uploadId),
      () => undefined,
    );
    throw error;
  }
}

/** A part of the file, read whole: a file that shrinks while it is uploaded is refused, never stored padded out. */
async function readPart(handle: Awaited<ReturnType<typeof open>>, file: string, offset: number, length: number): Promise<Buffer> {
  const chunk = Buffer.allocUnsafe(length);
  const { bytesRead } = await handle.read(chunk, 0, length, offset);
  if (bytesRead !== length)
    throw new MpegflowError(
      `${file} changed while it was being uploaded (${offset + bytesRead} bytes where there were ${offset + length})`,
      {
        code: 'UPLOAD_SOURCE_CHANGED',
      },
    );
  return chunk;
}

/**
 * One signed PUT of a buffer whose sha256 is already known. The SDK's own
 * putObject/uploadPart hash every body again (sha256 to sign, md5 too): on
 * a machine busy encoding, hashing each byte once matters.
 */
async function sendBody(
  client: Client,
  request: { method: 'PUT'; bucketName: string; objectName: string; query?: string; headers: Record<string, string> },
  body: Buffer,
  sha256: string,
): Promise<string> {
  const headers: Record<string, string> = { ...request.headers, 'content-length': String(body.length) };
  // over TLS the SDK signs UNSIGNED-PAYLOAD: an MD5 lets the server check the body
  if (!client.enableSHA256) headers['Content-MD5'] = createHash('md5').update(body).digest('base64');
  // No public SDK call fits: uploadPart() (made for composeObject) hashes the body again, puts the upload id into the
  // query unescaped (an id with + / = from another S3 store breaks the signature) and parses the answer as a
  // CopyPartResult. So this uses the SDK's signed-request call, marked internal; the lock file pins minio 8.0.7.
  const res = await client.makeRequestStreamAsync({ ...request, headers }, body, client.enableSHA256 ? sha256 : '', [200], '');
  res.resume();
  await new Promise<void>((resolve, reject) => {
    res.on('end', resolve);
    res.on('error', reject);
  });
  return String(res.headers.etag ?? '').replace(/^"|"$/g, '');
}

/**
 * Incomplete multipart uploads under a prefix, from ListMultipartUploads
 * alone: the SDK's listIncompleteUploads also asks ListParts of each upload,
 * whose answer some S3 stores (moto) shape differently, and which this does
 * not need. MinIO filters uploads by a whole object name only (a folder-like
 * prefix lists nothing, checked with the pinned build), so when the prefix
 * finds nothing the whole bucket is listed and filtered here.
 */
export async function listIncompleteUploads(client: Client, bucket: string, prefix: string): Promise<{ key: string; uploadId: string }[]> {
  const list = async (filter: string) => {
    const uploads: { key: string; uploadId: string }[] = [];
    let keyMarker = '';
    let uploadIdMarker = '';
    for (;;) {
      const page = await client.listIncompleteUploadsQuery(bucket, filter, keyMarker, uploadIdMarker, '');
      for (const upload of page.uploads) if (upload.key.startsWith(prefix)) uploads.push({ key: upload.key, uploadId: upload.uploadId });
      if (!page.isTruncated || (!page.nextKeyMarker && !page.nextUploadIdMarker)) return uploads;
      keyMarker = page.nextKeyMarker;
      uploadIdMarker = page.nextUploadIdMarker;
    }
  };
  const found = await list(prefix);
  return found.length > 0 || prefix === '' ? found : list('');
}

/** Aborts every incomplete multipart upload under a prefix (leftovers of failed or killed runs). Returns the keys. */
export async function abortIncompleteUploads(client: Client, bucket: string, prefix: string): Promise<string[]> {
  const uploads = await listIncompleteUploads(client, bucket, prefix);
  for (const { key, uploadId } of uploads) await client.abortMultipartUpload(bucket, key, uploadId);
  return [...new Set(uploads.map((u) => u.key))];
}

/** Reads a small object whole; null when it does not exist. */
export async function readObject(client: Client, bucket: string, key: string): Promise<Buffer | null> {
  try {
    const stream = await client.getObject(bucket, key);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } catch (error) {
    const code = (error as S3LikeError).code;
    if (code === 'NoSuchKey' || code === 'NotFound') return null;
    throw error;
  }
}

/** Size and sha256 of an object, read as a stream; null when it does not exist. */
export async function hashObject(client: Client, bucket: string, key: string): Promise<{ size: number; sha256: string } | null> {
  let stream;
  try {
    stream = await client.getObject(bucket, key);
  } catch (error) {
    const code = (error as S3LikeError).code;
    if (code === 'NoSuchKey' || code === 'NotFound') return null;
    throw error;
  }
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}
