import { spawnSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Tests that drop to another user (root writes anything, so they run the CLI
 * as `nobody`) need that user to reach node and the CLI. A checkout in a
 * private folder (root's home is 0700) does not let it: for the test alone,
 * every folder above them that the user cannot enter is given search
 * permission (x, not read) for it, and it is taken back afterwards. With
 * setfacl (Debian's acl) the grant is that user's alone; without it, the
 * folder's "others" get x and the exact mode is restored.
 */
export function grantTraverse(user: string, files: string[]): () => void {
  const setfacl = spawnSync('setfacl', ['--version']).status === 0;
  const canEnter = (dir: string) =>
    spawnSync('setpriv', ['--reuid', user, '--regid', 'nogroup', '--clear-groups', 'test', '-x', dir]).status === 0;
  const undo: (() => void)[] = [];
  const folders = new Set<string>();
  for (const file of files) {
    const chain: string[] = [];
    for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
      chain.unshift(dir);
      if (dir === path.dirname(dir)) break;
    }
    for (const dir of chain) folders.add(dir);
  }
  // top down: a folder can only be entered once the ones above it can
  for (const dir of [...folders].sort((a, b) => a.length - b.length)) {
    if (canEnter(dir)) continue;
    if (setfacl) {
      spawnSync('setfacl', ['-m', `u:${user}:x`, dir]);
      undo.push(() => spawnSync('setfacl', ['-x', `u:${user}`, dir]));
    } else {
      const mode = statSync(dir).mode & 0o7777;
      chmodSync(dir, mode | 0o001);
      undo.push(() => chmodSync(dir, mode));
    }
  }
  return () => {
    for (const step of undo.reverse()) step();
  };
}
