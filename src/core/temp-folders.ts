import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The folders a command makes in TMPDIR (a submission's spool and the keys it
 * has seen, the copy of a read-only state file with its secrets), held so that
 * they go however the process ends: on exit, and on a signal that ends it
 * (cli/cancellation.ts), which runs no exit handler.
 */
const held = new Set<string>();
process.on('exit', removeTempFolders);

export interface TempFolder {
  folder: string;
  /** Removes it. */
  release: () => void;
}

/** A new folder under TMPDIR (mkdtemp). */
export function makeTempFolder(prefix: string): TempFolder {
  const folder = mkdtempSync(path.join(os.tmpdir(), prefix));
  held.add(folder);
  return {
    folder,
    release: () => {
      held.delete(folder);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

export function removeTempFolders(): void {
  for (const folder of held) rmSync(folder, { recursive: true, force: true });
  held.clear();
}
