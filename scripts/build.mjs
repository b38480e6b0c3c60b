#!/usr/bin/env node
// Builds the CLI: type-checks src/, bundles every command with @oclif/core
// into one minified ES module (dist/mpegflow.js, oclif's "explicit" command
// strategy) and the libraries each code path imports into chunks of their own,
// so that start-up reads one file and a command loads only what it uses, and
// regenerates oclif.manifest.json. Loading the MinIO SDK from node_modules
// (a hundred files) took 0.2 s; from its chunk it takes a fraction of that.
// MPEGFLOW_BUILD_PLAIN=1 leaves the output unminified, for readable profiles.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  return `${imports.join('\n')}\nexport const COMMANDS = {\n${entries.join('\n')}\n};\nexport { execute } from '@oclif/core';\nexport { COMMAND_NOT_FOUND } from ${JSON.stringify(path.join(root, 'src', 'cli', 'command-not-found.ts'))};\nexport { MpegflowHelp as HELP } from ${JSON.stringify(path.join(root, 'src', 'cli', 'help.ts'))};\n`;
}

/**
 * `import http from 'node:http'` makes Node build an ES module facade of
 * node:http, which reads every export, and reading its lazy fetch/WebSocket
 * exports loads undici: 20-30 ms of start-up for nothing. require() does not.
 */
const httpByRequire = {
  name: 'http-by-require',
  setup(b) {
    const builtin = /^(node:)?https?$/;
    b.onResolve({ filter: builtin }, (args) =>
      args.namespace === 'http-by-require' ? { path: args.path, external: true } : { path: args.path, namespace: 'http-by-require' },
    );
    b.onLoad({ filter: /.*/, namespace: 'http-by-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);

// oclif loads its plugins from node_modules by path; better-sqlite3 is native; pg reaches for optional native parts
const notBundled = ['@oclif/plugin-autocomplete', 'better-sqlite3', 'pg'];
// what dist/ loads from node_modules when it runs: those, and cli-table3, which src/ui/table.ts requires on first use
const loadedFromNodeModules = [...notBundled, 'cli-table3'];
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
  minify: !process.env.MPEGFLOW_BUILD_PLAIN,
  // errors are told apart by name (the MinIO SDK's are named after their classes)
  keepNames: true,
  legalComments: 'none',
  // typescript, ts-node and tsx are what @oclif/core reaches for in development only
  external: [...notBundled, 'typescript', 'ts-node', 'tsx'],
  // @oclif/core is CommonJS: give the ES module bundle a require() for it
  banner: { js: "import { createRequire as __mfCreateRequire } from 'node:module'; const require = __mfCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  plugins: [httpByRequire],
});
// for the offline release (scripts/release.mjs), which carries these and what they need, and nothing else of node_modules
writeFileSync(path.join(root, 'dist', 'node-modules.json'), `${JSON.stringify(loadedFromNodeModules)}\n`);
run(bin('oclif'), ['manifest']);
