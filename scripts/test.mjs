#!/usr/bin/env node
// Runs the test suite with Node's own test runner (TypeScript is stripped by
// Node itself). Arguments narrow the run to folders or files; default: all.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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

const files = (targets.length > 0 ? targets : ['test']).flatMap(collect);
const env = { ...process.env, PATH: `${path.join(root, '.tools', 'bin')}${path.delimiter}${process.env.PATH}` };
const concurrency = process.env.MPEGFLOW_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...passthrough, ...files],
  { cwd: root, env, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
