import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './cli.ts';

/** What `npm run release` wrote into its folder. */
export interface Release {
  /** As the release names itself: package.json's version, with the commit for an untagged one. */
  version: string;
  /** The folder the tarball unpacks to, `mpegflow-VERSION-linux-x64`. */
  name: string;
  tarball: string;
  deb: string;
}

/** Builds the offline release of `checkout` into `out` (scripts/release.mjs, with its own build of dist/ unless `prebuilt`). */
export function buildRelease(
  checkout: string,
  out: string,
  options: { prebuilt?: boolean; signKey?: string; epoch?: string } = {},
): Release {
  const args = [path.join(checkout, 'scripts', 'release.mjs'), '--out', out];
  if (options.prebuilt) args.push('--prebuilt');
  if (options.signKey) args.push('--sign-key', options.signKey);
  execFileSync(process.execPath, args, {
    cwd: checkout,
    env: { ...process.env, ...(options.epoch ? { SOURCE_DATE_EPOCH: options.epoch } : {}) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tarball = readdirSync(out).find((f) => /^mpegflow-.+-linux-x64\.tar\.xz$/.test(f));
  if (!tarball) throw new Error(`no tarball in ${out}: ${readdirSync(out).join(', ')}`);
  const name = tarball.replace(/\.tar\.xz$/, '');
  const version = name.replace(/^mpegflow-/, '').replace(/-linux-x64$/, '');
  return { version, name, tarball: path.join(out, tarball), deb: path.join(out, `mpegflow_${version}_amd64.deb`) };
}

/**
 * The release of the commit before this checkout's HEAD, as the site runs it before an upgrade: built in a
 * worktree of that commit (its node_modules this checkout's when the lock file is the same, else its own
 * `npm ci`), which is removed afterwards. A reason instead when that commit cannot be built here: a shallow
 * clone without it, or a commit from before the release existed.
 */
export function buildPreviousRelease(work: string, out: string): Release | { skip: string } {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' });
  const previous = git('rev-parse', '--verify', '--quiet', 'HEAD~1^{commit}').stdout.trim();
  if (!previous) return { skip: 'this clone has no commit before HEAD (a shallow clone): there is no previous release to upgrade from' };
  if (git('cat-file', '-e', `${previous}:scripts/release.mjs`).status !== 0)
    return { skip: `the previous commit ${previous.slice(0, 7)} has no offline release to upgrade from` };
  const tree = path.join(work, 'previous');
  execFileSync('git', ['worktree', 'add', '--detach', '--force', tree, previous], { cwd: repoRoot, stdio: 'ignore' });
  try {
    const sameLock = git('diff', '--quiet', previous, 'HEAD', '--', 'package-lock.json').status === 0;
    if (sameLock) symlinkSync(path.join(repoRoot, 'node_modules'), path.join(tree, 'node_modules'));
    else execFileSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tree, stdio: 'ignore' });
    // the Node.js runtime the release puts inside, as this checkout provisioned it
    if (existsSync(path.join(repoRoot, '.tools'))) symlinkSync(path.join(repoRoot, '.tools'), path.join(tree, '.tools'));
    return buildRelease(tree, out);
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: repoRoot, stdio: 'ignore' });
  }
}
