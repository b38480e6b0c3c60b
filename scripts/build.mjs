#!/usr/bin/env node
// Builds the CLI: type-checks src/, bundles @oclif/core and every command into
// one minified ES module (dist/mpegflow.js, oclif's "explicit" command strategy)
// so that start-up reads one file, and regenerates oclif.manifest.json.
// Heavy and native dependencies stay outside the bundle and are imported
// only by the code paths that need them (separate chunks).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

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

/** The command registry, generated from src/commands so that no list is kept by hand. */
function commandsEntry() {
  const dir = path.join(root, 'src', 'commands');
  const files = readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const imports = files.map((f, i) => `import C${i} from ${JSON.stringify(path.join(dir, f))};`);
  const entries = files.map(
    (f, i) =>
      `  ${JSON.stringify(
        f
          .replace(/\.ts$/, '')
          .split(path.sep)
          .join(':')
          .replace(/:index$/, ''),
      )}: C${i},`,
  );
  return `${imports.join('\n')}\nexport const COMMANDS = {\n${entries.join('\n')}\n};\nexport { execute } from '@oclif/core';\nexport { COMMAND_NOT_FOUND } from ${JSON.stringify(path.join(root, 'src', 'cli', 'command-not-found.ts'))};\n`;
}

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const bundled = new Set(['@oclif/core']);
const entryDir = path.join(root, 'node_modules', '.cache', 'mpegflow-build');
mkdirSync(entryDir, { recursive: true });
const entry = path.join(entryDir, 'mpegflow.ts');
writeFileSync(entry, commandsEntry());
await build({
  entryPoints: [entry],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  outdir: path.join(root, 'dist'),
  entryNames: 'mpegflow',
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  legalComments: 'none',
  // typescript, ts-node and tsx are what @oclif/core reaches for in development only
  external: [...Object.keys(pkg.dependencies).filter((d) => !bundled.has(d)), 'typescript', 'ts-node', 'tsx'],
  // @oclif/core is CommonJS: give the ES module bundle a require() for it
  banner: { js: "import { createRequire as __mfCreateRequire } from 'node:module'; const require = __mfCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
run(bin('oclif'), ['manifest']);
