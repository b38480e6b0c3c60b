import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from 'minio';
import pLimit from 'p-limit';
import { MpegflowError } from '../../errors.ts';
import { formatDestination, MANIFEST_NAME, outputKey, outputPath, type DestinationLocation } from './locations.ts';
import { parseManifest, serializeManifest, type Manifest, type OutputRecord } from './manifest.ts';
import { signerOf } from '../../s3/client.ts';
import { abortIncompleteUploads, contentTypeFor, putBuffer, readObject, uploadFile, type MultipartHooks } from '../../s3/objects.ts';
import { objectLockHeaders, type PublishLock } from '../../s3/object-lock.ts';
import { DENIED_CODES } from '../../s3/error-codes.ts';
import { storageFailure } from '../../s3/errors.ts';
import { withRetry } from '../../retry.ts';
import { faultPoint } from '../../fault.ts';

/**
 * Where finished outputs go. The pipeline hands each output over as soon as
 * it is complete (`put`), and the manifest last (`commit`). On failure or
 * cancel, `abort` leaves no manifest and no incomplete multipart upload.
 */
export interface OutputSink {
  readonly display: string;
  /** Bytes stored so far in this run. */
  readonly bytesStored: number;
  readManifest(): Promise<Manifest | null>;
  /** Before the first output: clear leftovers of killed runs (none in a `fresh` location); drop an old manifest that is about to be replaced. */
  prepare(options: { replacingManifest: boolean; fresh?: boolean }): Promise<void>;
  /** Stores one finished output of the work folder (queued, limited concurrency). */
  put(name: string): Promise<OutputRecord>;
  commit(manifest: Manifest): Promise<void>;
  abort(): Promise<void>;
}

export interface SinkEvents {
  onStored?: (info: { name: string; size: number; bytesStored: number; objectsStored: number }) => void;
  /** A multipart upload sent another part: bytes of this object so far, and all bytes sent (finished and in flight). */
  onBytes?: (info: { name: string; objectBytes: number; bytesSent: number; objectsStored: number }) => void;
  multipart?: MultipartHooks;
  /** Something the operator should know that does not stop the run. */
  onWarning?: (message: string) => void;
}

/** At most `limit` tasks at once, in submission order (p-limit), and a way to wait until all submitted so far have settled. */
function taskPool(limit: number): { run<T>(task: () => Promise<T>): Promise<T>; settle(): Promise<void> } {
  const run = pLimit(Math.max(1, limit));
  const pending = new Set<Promise<unknown>>();
  return {
    run(task) {
      const result = run(task);
      const settled = result.then(
        () => undefined,
        () => undefined,
      );
      pending.add(settled);
      void settled.finally(() => pending.delete(settled));
      return result;
    },
    async settle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

export async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

function cancelled(): MpegflowError {
  return new MpegflowError('the encode was cancelled', { code: 'CANCELLED', suggestion: 'run it again when you are ready' });
}

/**
 * A local folder. Outputs stay in the work folder (a hidden staging folder
 * beside the destination by default) until commit moves them in and writes
 * the manifest; a failed run leaves the destination as it was.
 */
export class LocalSink implements OutputSink {
  readonly display: string;
  readonly #dir: string;
  readonly #workDir: string;
  readonly #events: SinkEvents;
  readonly #pool = taskPool(2);
  #bytes = 0;
  #count = 0;

  constructor(options: { destination: Extract<DestinationLocation, { kind: 'local' }>; workDir: string; events?: SinkEvents }) {
    this.#dir = options.destination.path;
    this.#workDir = options.workDir;
    this.#events = options.events ?? {};
    this.display = formatDestination(options.destination);
  }

  get bytesStored(): number {
    return this.#bytes;
  }

  async readManifest(): Promise<Manifest | null> {
    const file = path.join(this.#dir, MANIFEST_NAME);
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      if (code === 'ENOTDIR') {
        const file = fileOnTheWay(this.#dir);
        throw new MpegflowError(`the destination ${this.#dir} cannot be a folder: ${file} is a file`, {
          code: 'DESTINATION_NOT_FOLDER',
          suggestion: 'choose a folder with --to',
        });
      }
      throw error;
    }
    return parseManifest(data, file);
  }

  async prepare(): Promise<void> {
    // nothing to clean: this run writes into its own staging folder
  }

  put(name: string): Promise<OutputRecord> {
    return this.#pool.run(async () => {
      const { size, sha256 } = await hashFile(outputPath(this.#workDir, name));
      this.#bytes += size;
      this.#count++;
      this.#events.onStored?.({ name, size, bytesStored: this.#bytes, objectsStored: this.#count });
      return { name, size, sha256, contentType: contentTypeFor(name) };
    });
  }

  async commit(manifest: Manifest): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const manifestFile = path.join(this.#dir, MANIFEST_NAME);
    await rm(manifestFile, { force: true });
    for (const output of manifest.outputs) {
      const from = outputPath(this.#workDir, output.name);
      const to = outputPath(this.#dir, output.name);
      await mkdir(path.dirname(to), { recursive: true });
      try {
        await rename(from, to);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        await copyFile(from, to);
        await unlink(from);
      }
    }
    const temp = `${manifestFile}.tmp-${process.pid}`;
    await writeFile(temp, serializeManifest(manifest), { mode: 0o644 });
    await rename(temp, manifestFile);
  }

  async abort(): Promise<void> {
    await this.#pool.settle();
  }
}

/** Never an output's name: those begin with a letter or a digit. */
const WRITE_TEST_NAME = '.mpegflow-write-test';

/**
 * A prefix in a bucket. Each output is uploaded as soon as it is handed
 * over (HLS segments while ffmpeg still runs) and removed from the work
 * folder; the manifest object is written last.
 */
export class RemoteSink implements OutputSink {
  readonly display: string;
  readonly #client: Client;
  readonly #destination: Extract<DestinationLocation, { kind: 'remote' }>;
  readonly #workDir: string;
  readonly #events: SinkEvents;
  readonly #pool: ReturnType<typeof taskPool>;
  readonly #abort = new AbortController();
  /** Ours (abort) or the run's (Ctrl-C, SIGTERM, a cancelled job): either stops the uploads between parts. */
  readonly #stop: AbortSignal;
  readonly #partSize?: number;
  readonly #partConcurrency?: number;
  readonly #keepFiles: boolean;
  readonly #lock?: PublishLock;
  readonly #stored = new Set<string>();
  readonly #inFlightBytes = new Map<string, number>();
  #bytes = 0;
  #count = 0;

  constructor(options: {
    client: Client;
    destination: Extract<DestinationLocation, { kind: 'remote' }>;
    workDir: string;
    events?: SinkEvents;
    concurrency?: number;
    partSize?: number;
    partConcurrency?: number;
    signal?: AbortSignal;
    /** Leave uploaded files in the work folder (the quality gate reads them after the encode); the run removes the folder. */
    keepFiles?: boolean;
    /** Object Lock for what is published: the outputs before the manifest is written, the manifest as it is written. */
    lock?: PublishLock;
  }) {
    this.#client = options.client;
    this.#stop = options.signal ? AbortSignal.any([this.#abort.signal, options.signal]) : this.#abort.signal;
    this.#destination = options.destination;
    this.#workDir = options.workDir;
    this.#events = options.events ?? {};
    this.#pool = taskPool(options.concurrency ?? 4);
    this.#partSize = options.partSize;
    this.#partConcurrency = options.partConcurrency;
    this.#keepFiles = options.keepFiles ?? false;
    this.#lock = options.lock;
    this.display = formatDestination(options.destination);
  }

  get bytesStored(): number {
    return this.#bytes;
  }

  #key(name: string): string {
    return outputKey(this.#destination.prefix, name);
  }

  #where(name: string): string {
    return `${this.#destination.alias}/${this.#destination.bucket}/${this.#key(name)}`;
  }

  async readManifest(): Promise<Manifest | null> {
    const { bucket } = this.#destination;
    let data: Buffer | null;
    try {
      data = await withRetry(() => readObject(this.#client, bucket, this.#key(MANIFEST_NAME)));
    } catch (error) {
      throw storageFailure(error, { alias: this.#destination.alias, path: this.#where(MANIFEST_NAME), action: 'read' });
    }
    return data ? parseManifest(data, this.#where(MANIFEST_NAME)) : null;
  }

  async prepare(options: { replacingManifest: boolean; fresh?: boolean }): Promise<void> {
    const { bucket, alias } = this.#destination;
    const target = { alias, path: this.display, action: 'clean up' } as const;
    try {
      if (options.replacingManifest) await withRetry(() => this.#client.removeObject(bucket, this.#key(MANIFEST_NAME)));
    } catch (error) {
      throw storageFailure(error, target);
    }
    if (!options.fresh) await this.#clearLeftovers(target);
    await this.#writeTest();
  }

  async #clearLeftovers(target: { alias: string; path: string; action: 'clean up' }): Promise<void> {
    const { bucket, prefix } = this.#destination;
    try {
      await withRetry(() => abortIncompleteUploads(this.#client, bucket, `${prefix}/`));
    } catch (error) {
      // a least-privilege key may write but not list multipart uploads: the leftovers of killed runs
      // are then the bucket's lifecycle rule's to remove (AbortIncompleteMultipartUpload), not a reason to refuse
      if (!DENIED_CODES.has(String((error as { code?: unknown }).code))) throw storageFailure(error, target);
      this.#events.onWarning?.(
        `not checked for unfinished uploads of earlier runs under ${target.path}: the key may not list or abort multipart uploads (s3:ListBucketMultipartUploads, s3:AbortMultipartUpload); a lifecycle rule (AbortIncompleteMultipartUpload) removes them`,
      );
    }
  }

  /**
   * Writes and removes an empty object under the prefix: keys that may read
   * but not write there are refused now, not after hours of encoding (an MP4
   * or an archive master is stored only once ffmpeg has finished).
   */
  async #writeTest(): Promise<void> {
    const { bucket, prefix, alias } = this.#destination;
    const key = `${prefix}/${WRITE_TEST_NAME}`;
    try {
      await withRetry(() => this.#client.putObject(bucket, key, Buffer.alloc(0), 0));
    } catch (error) {
      throw storageFailure(error, { alias, path: this.display, action: 'write' });
    }
    await this.#client.removeObject(bucket, key).catch(() => undefined);
  }

  put(name: string): Promise<OutputRecord> {
    return this.#pool.run(async () => {
      if (this.#stop.aborted) throw cancelled();
      const file = outputPath(this.#workDir, name);
      let result;
      try {
        result = await uploadFile({
          signer: signerOf(this.#client),
          bucket: this.#destination.bucket,
          key: this.#key(name),
          file,
          partSize: this.#partSize,
          partConcurrency: this.#partConcurrency,
          signal: this.#stop,
          onMultipart: this.#events.multipart,
          onBytes: (bytes) => {
            this.#inFlightBytes.set(name, bytes);
            const bytesSent = this.#bytes + [...this.#inFlightBytes.values()].reduce((a, b) => a + b, 0);
            this.#events.onBytes?.({ name, objectBytes: bytes, bytesSent, objectsStored: this.#count });
          },
        });
      } catch (error) {
        throw storageFailure(error, { alias: this.#destination.alias, path: this.#where(name), action: 'upload' });
      } finally {
        this.#inFlightBytes.delete(name);
      }
      this.#stored.add(name);
      this.#bytes += result.size;
      this.#count++;
      if (!this.#keepFiles) await unlink(file).catch(() => undefined);
      this.#events.onStored?.({ name, size: result.size, bytesStored: this.#bytes, objectsStored: this.#count });
      return { name, size: result.size, sha256: result.sha256, contentType: contentTypeFor(name) };
    });
  }

  async commit(manifest: Manifest): Promise<void> {
    const body = serializeManifest(manifest);
    const { bucket, alias } = this.#destination;
    // an encode whose outputs must be retained is never published unlocked: they are locked before the manifest exists
    if (this.#lock) {
      await this.#lock.objects(manifest.outputs.map((o) => this.#key(o.name)));
      faultPoint('before-manifest');
    }
    const headers = this.#lock ? objectLockHeaders(this.#lock.onWrite()) : {};
    try {
      await withRetry(() => putBuffer(signerOf(this.#client), { bucket, key: this.#key(MANIFEST_NAME) }, body, headers));
    } catch (error) {
      throw storageFailure(error, { alias, path: this.#where(MANIFEST_NAME), action: 'write' });
    }
  }

  /** Stops uploading, aborts incomplete multipart uploads under the prefix and removes what this run stored. */
  async abort(): Promise<void> {
    this.#abort.abort();
    await this.#pool.settle();
    const { bucket, prefix } = this.#destination;
    await abortIncompleteUploads(this.#client, bucket, `${prefix}/`).catch(() => undefined);
    const keys = [...this.#stored].map((name) => this.#key(name));
    for (let i = 0; i < keys.length; i += 1000) {
      await this.#client.removeObjects(bucket, keys.slice(i, i + 1000)).catch(() => undefined);
    }
  }
}

/** Removes a folder tree, ignoring what is already gone. */
export async function removeTree(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 2 }).catch(() => undefined);
}

/** The first path on the way to `dir` that is a file (ENOTDIR names none): `clip.mp4` for --to clip.mp4/out/. */
function fileOnTheWay(dir: string): string {
  let at = path.parse(dir).root;
  for (const part of path.relative(at, dir).split(path.sep)) {
    at = path.join(at, part);
    try {
      if (!statSync(at).isDirectory()) return at;
    } catch {
      break;
    }
  }
  return dir;
}
