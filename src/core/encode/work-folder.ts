import type { RunEncodeOptions } from './pipeline.ts';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { removeTree } from './sink.ts';

/** The scratch folder of one run: where it lives, who owns it, and sweeping the leftovers of dead runs. */
export function workFolderFor(options: RunEncodeOptions): string {
  const suffix = randomBytes(4).toString('hex');
  if (options.workDir) return path.join(path.resolve(options.workDir), `mpegflow-encode-${suffix}`);
  if (options.destination.kind === 'local') {
    const dest = options.destination.path;
    return path.join(path.dirname(dest), `.${path.basename(dest)}.mpegflow-partial-${suffix}`);
  }
  return path.join(os.tmpdir(), `mpegflow-encode-${suffix}`);
}

/** Marks a work folder with the process that owns it, so a later run can tell a dead run's leftovers from a live one. */
export const OWNER_FILE = '.mpegflow-owner';

export async function claimWorkFolder(workDir: string): Promise<void> {
  await mkdir(workDir, { recursive: true });
  await writeFile(path.join(workDir, OWNER_FILE), JSON.stringify({ pid: process.pid, host: os.hostname() }));
}

/**
 * Removes work folders beside this one left by runs that were killed (kill -9,
 * power loss): same naming, owned by a process of this host that is gone.
 * Folders of live runs, of other hosts, or without an owner file are left alone.
 */
export async function sweepDeadWorkFolders(workDir: string): Promise<void> {
  const parent = path.dirname(workDir);
  const family = path.basename(workDir).replace(/[0-9a-f]{8}$/, '');
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(family) || entry === path.basename(workDir)) continue;
    try {
      const owner = JSON.parse(await readFile(path.join(parent, entry, OWNER_FILE), 'utf8')) as { pid: number; host: string };
      if (owner.host !== os.hostname() || processAlive(owner.pid)) continue;
      await removeTree(path.join(parent, entry));
    } catch {
      // not ours, or already gone
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
