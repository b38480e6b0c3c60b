import { randomBytes, randomFillSync } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from 'minio';
import { abortIncompleteUploads, DEFAULT_PART_SIZE, uploadFile } from '../s3/objects.ts';
import { storageFailure } from '../s3/errors.ts';
import { MpegflowError } from '../errors.ts';
import type { ResolvedEndpoint } from './model.ts';
import { createS3Client, signerOf } from '../s3/client.ts';

/**
 * How fast a link to an S3 store moves mezzanine-sized objects each way:
 * a generated payload uploaded with the encoder's own multipart uploader
 * (`concurrency` parts in flight), then read back with as many parallel
 * ranged GETs, compared byte for byte and removed. The verdict puts the
 * figures in operators' terms: how many encodes of each kind of source the
 * link can feed at once.
 */

export interface MezzanineProfile {
  name: string;
  /** Megabits per second (10^6). */
  mbitPerSecond: number;
  source: string;
}

/**
 * Typical mezzanine bitrates. ProRes target data rates from Apple's ProRes
 * white paper (January 2022, table of target data rates, 29.97 fps);
 * XDCAM HD422 is the 50 Mbit/s broadcast MPEG-2 4:2:2 long-GOP mezzanine.
 */
export const MEZZANINE_PROFILES: readonly MezzanineProfile[] = [
  { name: '1080i XDCAM HD422', mbitPerSecond: 50, source: 'Sony XDCAM HD422 / SMPTE RDD 9, 50 Mbit/s' },
  { name: '1080p ProRes 422 HQ', mbitPerSecond: 220, source: 'Apple ProRes white paper (2022), 1920x1080 29.97p' },
  { name: '2160p ProRes 422 HQ', mbitPerSecond: 884, source: 'Apple ProRes white paper (2022), 3840x2160 29.97p' },
  { name: '2160p HDR ProRes 4444', mbitPerSecond: 1326, source: 'Apple ProRes white paper (2022), 3840x2160 29.97p, no alpha' },
];

export interface Direction {
  seconds: number;
  /** Megabytes (10^6 bytes) per second. */
  mbPerSecond: number;
  mbitPerSecond: number;
}

export interface ThroughputResult {
  bucket: string;
  key: string;
  sizeBytes: number;
  concurrency: number;
  partSizeBytes: number;
  upload: Direction;
  download: Direction;
  /** Every byte read back equals the byte sent. */
  verified: boolean;
  verdict: {
    profile: string;
    mbitPerSecond: number;
    source: string;
    /** Encodes whose source the link can read at real-time speed at once (download). */
    concurrentReads: number;
    /** Streams of that bitrate the link can write at once (ingest, lossless archive outputs). */
    concurrentWrites: number;
  }[];
  /** Whether the payload (and a throwaway bucket) is gone again. */
  cleanup: { ok: boolean; detail: string };
}

export interface ThroughputOptions {
  endpoint: ResolvedEndpoint;
  /** An existing bucket; without it a throwaway bucket is created and removed. */
  bucket?: string;
  sizeBytes: number;
  concurrency: number;
  partSizeBytes?: number;
  onPhase?: (phase: 'generate' | 'upload' | 'download' | 'cleanup') => void;
}

function direction(bytes: number, seconds: number): Direction {
  const mbPerSecond = bytes / 1e6 / seconds;
  return {
    seconds: Math.round(seconds * 1000) / 1000,
    mbPerSecond: Math.round(mbPerSecond * 10) / 10,
    mbitPerSecond: Math.round(mbPerSecond * 8),
  };
}

/** Reads [offset, offset+length) and compares it with the payload; false when the bytes differ. */
async function readRange(client: Client, bucket: string, key: string, payload: Buffer, offset: number, length: number): Promise<boolean> {
  const stream = await client.getPartialObject(bucket, key, offset, length);
  let at = offset;
  let same = true;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (same && !payload.subarray(at, at + chunk.length).equals(chunk)) same = false;
    at += chunk.length;
  }
  return same && at === offset + length;
}

async function parallelDownload(
  client: Client,
  bucket: string,
  key: string,
  payload: Buffer,
  partSize: number,
  concurrency: number,
): Promise<boolean> {
  const ranges: [number, number][] = [];
  for (let offset = 0; offset < payload.length; offset += partSize) ranges.push([offset, Math.min(partSize, payload.length - offset)]);
  let next = 0;
  let verified = true;
  const lane = async () => {
    while (next < ranges.length) {
      const [offset, length] = ranges[next++]!;
      if (!(await readRange(client, bucket, key, payload, offset, length))) verified = false;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ranges.length) }, lane));
  return verified;
}

export async function measureThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const { endpoint, sizeBytes, concurrency } = options;
  const partSize = options.partSizeBytes ?? DEFAULT_PART_SIZE;
  const client = createS3Client(endpoint);
  const suffix = randomBytes(4).toString('hex');
  const bucket = options.bucket ?? `mpegflow-throughput-${suffix}`;
  const key = `.mpegflow-throughput-${suffix}/payload.bin`;
  const where = `${endpoint.name}/${bucket}/${key}`;
  let createdBucket = false;
  if (!options.bucket) {
    try {
      await client.makeBucket(bucket, endpoint.region);
      createdBucket = true;
    } catch (error) {
      throw new MpegflowError(`could not create a throwaway bucket on endpoint '${endpoint.name}' for the payload`, {
        code: 'S3_FAILED',
        suggestion: 'give a bucket the key may write to with --bucket BUCKET (the payload goes under a throwaway prefix and is removed)',
        cause: error,
      });
    }
  }
  options.onPhase?.('generate');
  const payload = Buffer.allocUnsafe(sizeBytes);
  for (let offset = 0; offset < sizeBytes; offset += 64 * 1024 * 1024)
    randomFillSync(payload, offset, Math.min(64 * 1024 * 1024, sizeBytes - offset));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mpegflow-throughput-'));
  const file = path.join(dir, 'payload.bin');
  let measured: Omit<ThroughputResult, 'cleanup'> | undefined;
  let failure: unknown;
  try {
    // on disk before the clock starts: the kernel writing it back would compete with the upload being timed
    const handle = await open(file, 'w');
    try {
      await handle.writeFile(payload);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    options.onPhase?.('upload');
    let started = performance.now();
    try {
      await uploadFile({ signer: signerOf(client), bucket, key, file, partSize, partConcurrency: concurrency });
    } catch (error) {
      throw storageFailure(error, { alias: endpoint.name, url: endpoint.url, path: where, action: 'time the link' });
    }
    const upload = direction(sizeBytes, (performance.now() - started) / 1000);
    options.onPhase?.('download');
    started = performance.now();
    let verified: boolean;
    try {
      verified = await parallelDownload(client, bucket, key, payload, partSize, concurrency);
    } catch (error) {
      throw storageFailure(error, { alias: endpoint.name, url: endpoint.url, path: where, action: 'time the link' });
    }
    const download = direction(sizeBytes, (performance.now() - started) / 1000);
    measured = {
      bucket,
      key,
      sizeBytes,
      concurrency,
      partSizeBytes: partSize,
      upload,
      download,
      verified,
      verdict: MEZZANINE_PROFILES.map((p) => ({
        profile: p.name,
        mbitPerSecond: p.mbitPerSecond,
        source: p.source,
        concurrentReads: Math.floor(download.mbitPerSecond / p.mbitPerSecond),
        concurrentWrites: Math.floor(upload.mbitPerSecond / p.mbitPerSecond),
      })),
    };
  } catch (error) {
    failure = error;
  }
  await rm(dir, { recursive: true, force: true });
  options.onPhase?.('cleanup');
  const cleanup = await removePayload(client, { bucket, key, createdBucket });
  if (failure !== undefined || !measured) throw failure;
  return { ...measured, cleanup };
}

/** Removes the payload, any incomplete upload of it, and the throwaway bucket. */
async function removePayload(
  client: Client,
  target: { bucket: string; key: string; createdBucket: boolean },
): Promise<{ ok: boolean; detail: string }> {
  const prefix = target.key.slice(0, target.key.lastIndexOf('/') + 1);
  try {
    await abortIncompleteUploads(client, target.bucket, prefix);
    await client.removeObject(target.bucket, target.key);
    if (target.createdBucket) await client.removeBucket(target.bucket);
    return { ok: true, detail: `removed ${target.bucket}/${target.key}${target.createdBucket ? ` and bucket ${target.bucket}` : ''}` };
  } catch (error) {
    return { ok: false, detail: `could not remove ${target.bucket}/${prefix}: ${(error as Error).message}` };
  }
}
