import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { removeTree } from './sink.ts';
import type { DestinationLocation } from './locations.ts';

/**
 * The scratch folder of one run: where it lives, who owns it, and sweeping
 * the leftovers of dead runs. A local destination stages inside itself: on
 * its own file system (commit is a rename, not a copy, and a mounted disk
 * fills, not the root one) and where the operator may write (the parent of
 * --to /mnt/usb/ is root's). Its name can never be an output's.
 */
export function workFolderFor(options: { workDir?: string; destination: DestinationLocation }): string {
  const suffix = randomBytes(4).toString('hex');
  if (options.workDir) return path.join(path.resolve(options.workDir), `mpegflow-encode-${suffix}`);
  if (options.destination.kind === 'local') return path.join(options.destination.path, `.mpegflow-partial-${suffix}`);
  return path.join(os.tmpdir(), `mpegflow-encode-${suffix}`);
}

/** Marks a work folder with the process that owns it, so a later run can tell a dead run's leftovers from a live one. */
export const OWNER_FILE = '.mpegflow-owner';

/** Makes the work folder (and the folders above it that are missing: the first of them is returned, for `releaseWorkFolder`). */
export async function claimWorkFolder(workDir: string): Promise<string | undefined> {
  const created = await mkdir(workDir, { recursive: true });
  await writeFile(path.join(workDir, OWNER_FILE), JSON.stringify({ pid: process.pid, host: os.hostname() }));
  return created;
}

/** After a failed run: the work folder goes, and so do the folders its claim made (the destination) when nothing else is in them. */
export async function releaseWorkFolder(workDir: string, created: string | undefined): Promise<void> {
  await removeTree(workDir);
  if (!created) return;
  for (let dir = path.dirname(workDir); dir === created || dir.startsWith(`${created}${path.sep}`); dir = path.dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      return; // something else is in it (or it is gone): left alone
    }
  }
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
