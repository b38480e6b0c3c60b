import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** Mounts a small tmpfs at dir (needs root, as in CI); returns undefined with the reason when it cannot. */
export function mountTmpfs(dir: string, size: string): { remountReadOnly: () => void; unmount: () => void } | { skip: string } {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    return { skip: `cannot mount a tmpfs to make a read-only or full file system: ${(error as Error).message.split('\n')[0]}` };
  }
  return {
    remountReadOnly: () => execFileSync('mount', ['-o', 'remount,ro', dir]),
    unmount: () => execFileSync('umount', ['-l', dir]),
  };
}
