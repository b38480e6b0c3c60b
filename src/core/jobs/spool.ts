import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MpegflowError } from '../errors.ts';
import type { KeyedSpec } from './submit.ts';

function spoolFailed(folder: string, error: unknown): MpegflowError {
  const full = (error as NodeJS.ErrnoException).code === 'ENOSPC';
  return new MpegflowError(
    full ? `no space left on the device holding ${folder} while listing the sources` : `cannot write the submission list in ${folder}`,
    {
      code: full ? 'SPOOL_DISK_FULL' : 'SPOOL_UNWRITABLE',
      suggestion: 'point TMPDIR at a folder with room (about 1 KB per source); nothing was queued',
      cause: error,
    },
  );
}

/**
 * The new job specs of one submission (with their job keys), kept on disk
 * while the sources are listed so that memory does not grow with the
 * listing, and so that nothing is queued until the whole listing (and every
 * routing decision) has succeeded.
 */
export class SpecSpool {
  private readonly folder: string;
  readonly count: number;

  private constructor(folder: string, count: number) {
    this.folder = folder;
    this.count = count;
  }

  static async fill(specs: AsyncIterable<KeyedSpec>): Promise<SpecSpool> {
    let folder: string | undefined;
    let count = 0;
    // one write per 64 KB, not per spec: a write is a trip through libuv's thread pool
    async function* chunks() {
      let chunk = '';
      for await (const spec of specs) {
        count++;
        chunk += `${JSON.stringify(spec)}\n`;
        if (chunk.length >= 65_536) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
    try {
      folder = await mkdtemp(path.join(os.tmpdir(), 'mpegflow-submit-'));
      await pipeline(Readable.from(chunks()), createWriteStream(path.join(folder, 'specs.ndjson')));
      return new SpecSpool(folder, count);
    } catch (error) {
      if (folder) await rm(folder, { recursive: true, force: true });
      throw (error as NodeJS.ErrnoException).syscall ? spoolFailed(folder ?? os.tmpdir(), error) : error;
    }
  }

  async *read(): AsyncGenerator<KeyedSpec> {
    const lines = createInterface({ input: createReadStream(path.join(this.folder, 'specs.ndjson')), crlfDelay: Infinity });
    for await (const line of lines) if (line) yield JSON.parse(line) as KeyedSpec;
  }

  async remove(): Promise<void> {
    await rm(this.folder, { recursive: true, force: true });
  }
}
