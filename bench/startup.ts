// Cold-start time of `mpegflow --version` (bin/mpegflow, as installed) against bare `node -e 0`, in one run.
// Usage: node bench/startup.ts [runs]   (build first: npm run build)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './support/timed.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 21);
const cli = path.join(root, 'bin', 'mpegflow');

function time([command, ...args]: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command!, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

const cases = {
  'node -e 0': [process.execPath, '-e', '0'],
  'mpegflow --version': [cli, '--version'],
  'mpegflow endpoint list --json': [cli, 'endpoint', 'list', '--json'],
};
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
process.env.MPEGFLOW_HOME ??= path.join(root, '.tools', 'bench-home');
// interleave the commands so that machine noise hits them alike; one warm-up each
for (let i = -1; i < runs; i++) {
  for (const [name, args] of Object.entries(cases)) {
    const ms = time(args);
    if (i >= 0) samples[name]!.push(ms);
  }
}
const base = median(samples['node -e 0']!);
console.log(`runs: ${runs} each, Node ${process.version}`);
for (const [name, values] of Object.entries(samples)) {
  const m = median(values);
  console.log(`${name.padEnd(32)} median ${m.toFixed(1).padStart(7)} ms   ratio ${(m / base).toFixed(2)}x`);
}
