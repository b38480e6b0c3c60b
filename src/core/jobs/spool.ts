import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { MpegflowError } from '../errors.ts';
import type { JobSpec } from './model.ts';

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

async function write(out: WriteStream, line: string): Promise<void> {
  if (!out.write(line)) await Promise.race([once(out, 'drain'), once(out, 'error')]);
}

/**
 * The job specs of one submission, kept on disk while the sources are listed
 * so that memory does not grow with the listing, and so that nothing is queued
 * until the whole listing (and every routing decision) has succeeded.
 */
export class SpecSpool {
  private readonly folder: string;
  readonly count: number;

  private constructor(folder: string, count: number) {
    this.folder = folder;
    this.count = count;
  }

  static async fill(specs: AsyncIterable<JobSpec>): Promise<SpecSpool> {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'mpegflow-submit-'));
    const out = createWriteStream(path.join(folder, 'specs.ndjson'));
    let failure: unknown;
    out.on('error', (error) => (failure ??= error));
    let count = 0;
    try {
      for await (const spec of specs) {
        await write(out, `${JSON.stringify(spec)}\n`);
        if (failure) throw failure;
        count++;
      }
      out.end();
      await Promise.race([once(out, 'finish'), once(out, 'error')]);
      if (failure) throw failure;
      return new SpecSpool(folder, count);
    } catch (error) {
      out.destroy();
      await rm(folder, { recursive: true, force: true });
      throw error === failure || (error as NodeJS.ErrnoException).syscall ? spoolFailed(folder, error) : error;
    }
  }

  async *read(): AsyncGenerator<JobSpec> {
    const lines = createInterface({ input: createReadStream(path.join(this.folder, 'specs.ndjson')), crlfDelay: Infinity });
    for await (const line of lines) if (line) yield JSON.parse(line) as JobSpec;
  }

  async remove(): Promise<void> {
    await rm(this.folder, { recursive: true, force: true });
  }
}
