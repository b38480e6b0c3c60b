// Wall time of `mpegflow health --json` against `mc admin info --json` on the
// same 4-node x 2-drive deployment, in one run; prints medians and the ratio.
// Usage: node bench/health.ts [runs]   (after npm run build and scripts/install-minio.sh)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { minioBinary, startDistributed } from '../test/support/minio.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 15);
const home = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-health-'));
const mcConfig = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-mc-'));
const deployment = await startDistributed({ nodes: 4, drivesPerNode: 2 });

try {
  const env = { ...process.env, MPEGFLOW_HOME: home };
  execFileSync(
    process.execPath,
    [
      path.join(root, 'bin', 'run.js'),
      'endpoint',
      'add',
      'bench',
      '--url',
      deployment.url,
      '--access-key',
      deployment.accessKey,
      '--secret-key-stdin',
    ],
    { env, input: deployment.secretKey, stdio: ['pipe', 'ignore', 'inherit'] },
  );
  execFileSync(
    minioBinary('mc'),
    ['--config-dir', mcConfig, 'alias', 'set', 'bench', deployment.url, deployment.accessKey, deployment.secretKey],
    { stdio: 'ignore' },
  );

  const cases: Record<string, [string, string[]]> = {
    'mpegflow health --json': [process.execPath, [path.join(root, 'bin', 'run.js'), 'health', 'bench', '--json']],
    'mc admin info --json': [minioBinary('mc'), ['--config-dir', mcConfig, 'admin', 'info', 'bench', '--json']],
  };
  const samples: Record<string, number[]> = { 'mpegflow health --json': [], 'mc admin info --json': [] };
  for (let i = -1; i < runs; i++) {
    for (const [name, [cmd, args]] of Object.entries(cases)) {
      const start = process.hrtime.bigint();
      const result = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stdout}${result.stderr}`);
      if (i >= 0) samples[name]!.push(ms);
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const ours = median(samples['mpegflow health --json']!);
  const peer = median(samples['mc admin info --json']!);
  console.log(`4 nodes x 2 drives, ${runs} runs each (interleaved), Node ${process.version}`);
  console.log(`mpegflow health --json   median ${ours.toFixed(1).padStart(7)} ms`);
  console.log(`mc admin info --json     median ${peer.toFixed(1).padStart(7)} ms`);
  console.log(`ratio mpegflow/mc: ${(ours / peer).toFixed(2)}x (target <= 1.5)`);
} finally {
  await deployment.stop();
  rmSync(home, { recursive: true, force: true });
  rmSync(mcConfig, { recursive: true, force: true });
}
