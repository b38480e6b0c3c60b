import { Worker } from 'node:worker_threads';

/**
 * Hashes an upload's parts on a thread of their own, so the event loop only
 * reads and sends: each part's CRC32 (what the store checks), then the whole
 * file's sha256, in part order (what the manifest records). The parts live in
 * shared memory, so nothing is copied to the thread.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { crc32 } = require('node:zlib');
const hash = createHash('sha256');
parentPort.on('message', ({ id, buffer, length }) => {
  if (buffer === undefined) return parentPort.postMessage({ id, sha256: hash.digest('hex') });
  const bytes = Buffer.from(buffer, 0, length);
  parentPort.postMessage({ id, crc32: crc32(bytes) });
  hash.update(bytes);
  parentPort.postMessage({ id, hashed: true });
});
`;

interface Waiting {
  crc32?: (value: number) => void;
  hashed?: () => void;
  sha256?: (value: string) => void;
  fail: (error: Error) => void;
}

export class PartHasher {
  readonly #worker = new Worker(WORKER_SOURCE, { eval: true });
  readonly #waiting = new Map<number, Waiting>();
  #next = 0;
  #failure: Error | undefined;

  constructor() {
    this.#worker.on('message', (message: { id: number; crc32?: number; hashed?: true; sha256?: string }) => {
      const waiting = this.#waiting.get(message.id)!;
      if (message.crc32 !== undefined) return waiting.crc32?.(message.crc32);
      this.#waiting.delete(message.id);
      if (message.sha256 !== undefined) waiting.sha256?.(message.sha256);
      else waiting.hashed?.();
    });
    // a thread that dies (out of memory) or stops fails what waits on it: the upload is aborted, never completed unhashed
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', () => this.#fail(new Error('the hashing thread stopped')));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiting of this.#waiting.values()) waiting.fail(this.#failure);
    this.#waiting.clear();
  }

  /**
   * Hands over the next part (the first `length` bytes of a shared buffer): resolves its CRC32 first, then,
   * once the sha256 has taken it in, `hashed` (the buffer may be used again).
   */
  part(buffer: SharedArrayBuffer, length: number): { crc32: Promise<number>; hashed: Promise<void> } {
    const id = this.#next++;
    let fail!: (error: Error) => void;
    const crc32 = new Promise<number>((resolve, reject) => {
      fail = reject;
      this.#waiting.set(id, { crc32: resolve, fail });
    });
    const hashed = new Promise<void>((resolve, reject) => {
      const waiting = this.#waiting.get(id)!;
      waiting.hashed = resolve;
      waiting.fail = (error) => {
        fail(error);
        reject(error);
      };
    });
    hashed.catch(() => undefined);
    if (this.#failure) this.#waiting.get(id)!.fail(this.#failure);
    else this.#worker.postMessage({ id, buffer, length });
    return { crc32, hashed };
  }

  /** The sha256 of every part handed over, in order. */
  sha256(): Promise<string> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { sha256: resolve, fail: reject });
      this.#worker.postMessage({ id });
    });
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
