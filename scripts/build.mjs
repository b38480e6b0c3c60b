#!/usr/bin/env node
// Compiles src/ to dist/ and regenerates oclif.manifest.json from the result.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => {
  try {
    execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
  } catch (error) {
    console.error(`build failed: ${path.basename(cmd)} ${args.join(' ')} exited ${error.status ?? error.signal}`);
    process.exit(1);
  }
};

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
run(bin('tsc'), ['-p', 'tsconfig.json']);
run(bin('oclif'), ['manifest']);
