import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { open } from 'node:fs/promises';
import type { Client } from 'minio';
import { SaxesParser } from 'saxes';
import { MpegflowError } from '../errors.ts';
import { withRetry } from '../retry.ts';
import { readAnswer, sendSigned } from './requests.ts';
import { PartHasher } from './part-hasher.ts';
import { UNSIGNED_PAYLOAD, type ObjectRequest, type RequestSigner } from './signer.ts';

/**
 * The S3 operations the encode pipeline needs. `uploadFile` sends its own
 * signed requests (minio-js 8.0.x uploads parts one after another and hashes
 * each body again), parts concurrently, hashing the file on the way (sha256
 * for the manifest) and reading each byte once; the rest is the minio SDK.
 */

export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** mc's part size: fewer, larger requests; memory is at most (parts in flight + 1) x part size. */
export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
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
  signer: RequestSigner;
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
  return new MpegflowError('the upload was cancelled', { code: 'CANCELLED' });
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');

/**
 * Uploads one local file: a single PUT below the part size, otherwise a
 * multipart upload with `partConcurrency` parts in flight. A failed or
 * cancelled multipart upload is aborted before this returns.
 */
export async function uploadFile(options: UploadFileOptions): Promise<UploadResult> {
  const { bucket, key, signal } = options;
  const handle = await open(options.file, 'r');
  try {
    const { size } = await handle.stat();
    const basePart = Math.max(MIN_PART_SIZE, options.partSize ?? DEFAULT_PART_SIZE);
    const partSize = Math.max(basePart, Math.ceil(size / (MAX_PARTS - 1) / (1024 * 1024)) * 1024 * 1024);
    const headers = { 'content-type': contentTypeFor(key) };
    if (size <= partSize) {
      const buffer = await readPart(handle, options.file, 0, Buffer.allocUnsafe(size));
      const sha256 = createHash('sha256').update(buffer).digest('hex');
      if (signal?.aborted) throw aborted();
      const crc = crc32(buffer);
      // a PUT under way is let finish (the signal stops only further attempts): cut short, the store may still
      // have stored it, unknown to the caller, whose clean-up removes what it was told was stored
      const etag = await withRetry(() => sendBody(options.signer, { method: 'PUT', bucket, key, headers }, buffer, crc), { signal });
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
  const { signer, bucket, key, signal } = options;
  const concurrency = Math.max(1, options.partConcurrency ?? 4);
  const uploadId = await withRetry(() => initiateUpload(signer, bucket, key, headers, signal), { signal });
  await options.onMultipart?.started({ bucket, key, uploadId });
  // the parts in flight and the one being read: memory is bounded whatever the file's size
  const free = Array.from({ length: Math.min(concurrency + 1, Math.ceil(size / partSize)) }, () => new SharedArrayBuffer(partSize));
  const hasher = new PartHasher();
  const etags: { part: number; etag: string }[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let sent = 0;
  try {
    let partNumber = 0;
    for (let offset = 0; offset < size; offset += partSize) {
      if (signal?.aborted) throw aborted();
      if (failure) throw failure;
      while (inFlight.size >= concurrency || free.length === 0) await Promise.race(inFlight);
      if (failure) throw failure;
      const length = Math.min(partSize, size - offset);
      const shared = free.pop()!;
      const chunk = await readPart(handle, options.file, offset, Buffer.from(shared, 0, length));
      const part = ++partNumber;
      const hashing = hasher.part(shared, length);
      const query = { partNumber: String(part), uploadId };
      const upload = hashing.crc32.then((crc) =>
        withRetry(() => sendBody(signer, { method: 'PUT', bucket, key, query }, chunk, crc, signal), { signal }),
      );
      const task = Promise.all([upload, hashing.hashed])
        .then(([etag]) => {
          etags.push({ part, etag });
          sent += length;
          options.onBytes?.(sent);
        })
        .catch((error: unknown) => {
          failure ??= error;
        })
        // the buffer is read into again only once both the store and the hash are done with it
        .finally(() => Promise.allSettled([upload, hashing.hashed]).then(() => free.push(shared)))
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    if (signal?.aborted) throw aborted();
    const sha256 = await hasher.sha256();
    etags.sort((a, b) => a.part - b.part);
    const etag = await withRetry(() => completeUpload(signer, { bucket, key, uploadId }, etags, signal), { signal });
    await options.onMultipart?.finished(uploadId);
    return { size, sha256, etag };
  } catch (error) {
    await Promise.allSettled(inFlight);
    await sendSigned(signer, { method: 'DELETE', bucket, key, query: { uploadId } }, { sha256: EMPTY_SHA256 })
      .then(readAnswer)
      .then(
        () => options.onMultipart?.finished(uploadId),
        () => undefined,
      );
    throw error;
  } finally {
    await hasher.close();
  }
}

/** A part of the file, read whole into `chunk`: a file that shrinks while it is uploaded is refused, never stored padded out. */
async function readPart(handle: Awaited<ReturnType<typeof open>>, file: string, offset: number, chunk: Buffer): Promise<Buffer> {
  const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
  if (bytesRead !== chunk.length)
    throw new MpegflowError(
      `${file} changed while it was being uploaded (${offset + bytesRead} bytes where there were ${offset + chunk.length})`,
      {
        code: 'UPLOAD_SOURCE_CHANGED',
      },
    );
  return chunk;
}

/** Writes a small object whole (a manifest), with extra headers (an Object Lock), its body checked by the store. */
export async function putBuffer(
  signer: RequestSigner,
  location: { bucket: string; key: string },
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<string> {
  const request = { method: 'PUT' as const, ...location, headers: { 'content-type': contentTypeFor(location.key), ...headers } };
  return sendBody(signer, request, body, crc32(body));
}

/**
 * One PUT of a buffer whose CRC32 is known. Each byte is hashed once for the manifest's sha256; what the store checks
 * is a CRC32 of the body in a signed header (x-amz-checksum-crc32, with UNSIGNED-PAYLOAD), which a presigned
 * grant can carry too and which costs a fraction of a second hash. MinIO, SeaweedFS and AWS refuse a body that
 * does not match it (UPLOAD_DAMAGED, retried); the answer echoes it where the store checked it.
 */
async function sendBody(signer: RequestSigner, request: ObjectRequest, body: Buffer, crc: number, signal?: AbortSignal): Promise<string> {
  const checksum = crc32Base64(crc);
  const headers = { ...request.headers, 'x-amz-checksum-crc32': checksum };
  const response = await sendSigned(signer, { ...request, headers }, { bytes: body, sha256: UNSIGNED_PAYLOAD, signal });
  await readAnswer(response);
  const echoed = response.headers['x-amz-checksum-crc32'];
  if (echoed !== undefined && echoed !== checksum)
    throw Object.assign(new Error(`the store computed CRC32 ${String(echoed)} where ${checksum} was sent`), {
      name: 'S3Error',
      code: 'XAmzContentChecksumMismatch',
    });
  return unquote(String(response.headers.etag ?? ''));
}

function crc32Base64(crc: number): string {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc);
  return value.toString('base64');
}

async function initiateUpload(signer: RequestSigner, bucket: string, key: string, headers: Record<string, string>, signal?: AbortSignal) {
  const response = await sendSigned(
    signer,
    { method: 'POST', bucket, key, query: { uploads: '' }, headers },
    { sha256: EMPTY_SHA256, signal },
  );
  const uploadId = xmlField(await readAnswer(response), 'UploadId');
  if (!uploadId)
    throw Object.assign(new Error('the store began a multipart upload without an UploadId'), { name: 'S3Error', code: 'InvalidResponse' });
  return uploadId;
}

/** CompleteMultipartUpload; its answer can be an error in a 200 (the store failed while assembling the parts). */
async function completeUpload(
  signer: RequestSigner,
  upload: { bucket: string; key: string; uploadId: string },
  parts: { part: number; etag: string }[],
  signal?: AbortSignal,
): Promise<string> {
  const xml = Buffer.from(
    `<CompleteMultipartUpload>${parts.map((p) => `<Part><PartNumber>${p.part}</PartNumber><ETag>"${xmlEscape(p.etag)}"</ETag></Part>`).join('')}</CompleteMultipartUpload>`,
  );
  const sha256 = createHash('sha256').update(xml).digest('hex');
  const request: ObjectRequest = {
    method: 'POST',
    bucket: upload.bucket,
    key: upload.key,
    query: { uploadId: upload.uploadId },
    headers: { 'content-type': 'application/xml' },
  };
  const answer = await readAnswer(await sendSigned(signer, request, { bytes: xml, sha256, signal }));
  const code = xmlField(answer, 'Code');
  if (code) throw Object.assign(new Error(xmlField(answer, 'Message') ?? code), { name: 'S3Error', code });
  return unquote(xmlField(answer, 'ETag') ?? '');
}

const unquote = (etag: string) => etag.replace(/^"|"$/g, '');

/** The text of the first <name> element of a small S3 answer (the XML parser decodes its entities). */
function xmlField(xml: Buffer, name: string): string | undefined {
  const parser = new SaxesParser();
  let inside = false;
  let text: string | undefined;
  parser.on('opentag', (tag) => {
    inside = text === undefined && tag.name === name;
    if (inside) text = '';
  });
  parser.on('text', (chunk) => {
    if (inside) text += chunk;
  });
  parser.on('closetag', () => {
    inside = false;
  });
  parser.write(xml.toString('utf8')).close();
  return text;
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
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
