import { createReadStream, createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { makeTempFolder, type TempFolder } from '../temp-folders.ts';
import { isScratchFailure, scratchFailed } from './scratch.ts';
import type { KeyedSpec } from './submit.ts';

/**
 * The new job specs of one submission (with their job keys), kept on disk
 * while the sources are listed so that memory does not grow with the
 * listing, and so that nothing is queued until the whole listing (and every
 * routing decision) has succeeded.
 */
export class SpecSpool {
  private readonly folder: string;
  private readonly release: () => void;
  readonly count: number;

  private constructor({ folder, release }: TempFolder, count: number) {
    this.folder = folder;
    this.release = release;
    this.count = count;
  }

  static async fill(specs: AsyncIterable<KeyedSpec[]>): Promise<SpecSpool> {
    let temp: TempFolder | undefined;
    let count = 0;
    // the listing's own failures (an unreadable folder, a store refusing) are not the spool's
    let listingFailure: { error: unknown } | undefined;
    async function* marked() {
      try {
        yield* specs;
      } catch (error) {
        listingFailure = { error };
        throw error;
      }
    }
    // one write per 64 KB, not per spec: a write is a trip through libuv's thread pool
    async function* chunks() {
      let chunk = '';
      for await (const group of marked()) {
        count += group.length;
        for (const spec of group) chunk += `${JSON.stringify(spec)}\n`;
        if (chunk.length >= 65_536) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
    try {
      temp = makeTempFolder('mpegflow-submit-');
      await pipeline(Readable.from(chunks()), createWriteStream(path.join(temp.folder, 'specs.ndjson')));
      return new SpecSpool(temp, count);
    } catch (error) {
      temp?.release();
      if (listingFailure) throw listingFailure.error;
      throw isScratchFailure(error) ? scratchFailed(temp?.folder ?? os.tmpdir(), error) : error;
    }
  }

  /** The specs in the order they were spooled, a chunk of the file at a time (until `signal` aborts: then it throws). */
  async *read(signal?: AbortSignal): AsyncGenerator<KeyedSpec[]> {
    let partial = '';
    for await (const chunk of createReadStream(path.join(this.folder, 'specs.ndjson'), { encoding: 'utf8' })) {
      signal?.throwIfAborted();
      const lines = (partial + (chunk as string)).split('\n');
      partial = lines.pop()!;
      yield lines.map((line) => JSON.parse(line) as KeyedSpec);
    }
    if (partial) yield [JSON.parse(partial) as KeyedSpec];
  }

  remove(): void {
    this.release();
  }
}
