// Does `mpegflow replicate status` stay fast as the edge bucket grows? Loads
// N tiny objects (cumulatively, for each N given), waits until they are
// replicated, then times each command and reads its peak RSS (/usr/bin/time):
// `mpegflow replicate status` (metrics), `--deep` (walks every object) and
// `mc replicate status`. Prints a table and the ratios to mc.
// Usage: node bench/scale-replication.ts ["1000 10000 100000"] [runs]
//        (after npm run build and scripts/install-minio.sh)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ResolvedEndpoint } from '../src/core/endpoints/model.ts';
import { fetchReplicationMetrics } from '../src/core/replication/metrics.ts';
import { vendorKeygen, vendorSign } from '../test/support/license.ts';
import { minioBinary, startSingleDrive, type Deployment } from '../test/support/minio.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sizes = (process.argv[2] ?? '1000 10000 100000')
  .split(/[\s,]+/)
  .filter(Boolean)
  .map(Number);
const runs = Number(process.argv[3] ?? 3);
const PARALLEL_PUTS = 64;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-repl-'));
const home = path.join(scratch, 'home');
const mcConfig = path.join(scratch, 'mc');
const env = { ...process.env, MPEGFLOW_HOME: home };
/** As installed: bin/mpegflow, the launcher npm links. */
const cli = path.join(root, 'bin', 'mpegflow');
const mpegflow = (args: string[], input?: string) => execFileSync(cli, args, { env, input, stdio: ['pipe', 'pipe', 'inherit'] });

const [edge, central] = await Promise.all([startSingleDrive(), startSingleDrive()]);

/** Loads objects from..to-1 with PARALLEL_PUTS writers at a time; the seconds it took. */
async function load(d: Deployment, from: number, to: number): Promise<number> {
  const client = d.client();
  const body = Buffer.from('x');
  let next = from;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: PARALLEL_PUTS }, async () => {
      while (next < to) {
        const i = next++;
        await client.putObject('ingest', `cam-${i % 16}/clip-${String(i).padStart(7, '0')}`, body, body.length);
      }
    }),
  );
  return (Date.now() - started) / 1000;
}

/** Waits until the edge's metrics count `total` objects replicated and nothing queued; the seconds it took. */
async function awaitReplication(arn: string, total: number): Promise<number> {
  const endpoint = {
    name: 'edge',
    url: edge.url,
    accessKey: edge.accessKey,
    secretKey: edge.secretKey,
    region: 'us-east-1',
  } as ResolvedEndpoint;
  const started = Date.now();
  for (;;) {
    const doc = await fetchReplicationMetrics(endpoint, 'ingest');
    const replicated = doc.currStats?.Stats?.[arn]?.replicationCount ?? 0;
    if (replicated >= total && (doc.currStats?.queued?.curr?.count ?? 0) === 0) return (Date.now() - started) / 1000;
    await sleep(1000);
  }
}

/** Wall seconds and peak RSS (MiB) of one run, from GNU time. */
function measure(cmd: string, args: string[]): { seconds: number; rssMiB: number } {
  const out = path.join(scratch, 'time.txt');
  const res = spawnSync('/usr/bin/time', ['-o', out, '-f', '%e %M', cmd, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (res.status !== 0 && res.status !== 1) throw new Error(`${cmd} ${args.join(' ')} exited ${res.status}: ${res.stdout}${res.stderr}`);
  const [seconds, kb] = readFileSync(out, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds: seconds!, rssMiB: kb! / 1024 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  for (const [name, d] of [
    ['edge', edge],
    ['central', central],
  ] as const)
    mpegflow(['endpoint', 'add', name, '--url', d.url, '--access-key', d.accessKey, '--secret-key-stdin'], d.secretKey);
  const vendor = vendorKeygen(scratch, 'bench');
  mpegflow(
    ['license', 'install', '-', '--trusted-key', vendor.publicJwks],
    vendorSign(vendor.privateJwk, ['--capabilities', 'replication']),
  );
  await edge.client().makeBucket('ingest');
  mpegflow(['replicate', 'setup', 'edge/ingest', 'central/masters', '--create-bucket']);
  const arn = (JSON.parse(mpegflow(['replicate', 'list', '--json']).toString()) as { rules: { destination: string }[] }).rules[0]!
    .destination;
  execFileSync(minioBinary('mc'), ['--config-dir', mcConfig, 'alias', 'set', 'edge', edge.url, edge.accessKey, edge.secretKey], {
    stdio: 'ignore',
  });

  const cases: [string, string, string[]][] = [
    ['mpegflow replicate status', cli, ['replicate', 'status', 'edge/ingest', '--json']],
    ['mpegflow replicate status --deep', cli, ['replicate', 'status', 'edge/ingest', '--deep', '--json']],
    ['mc replicate status', minioBinary('mc'), ['--config-dir', mcConfig, 'replicate', 'status', 'edge/ingest', '--json']],
  ];
  const rows: string[] = [];
  let loaded = 0;
  for (const size of sizes) {
    const loadSeconds = await load(edge, loaded, size);
    const replicateSeconds = await awaitReplication(arn, size);
    console.error(
      `${size} objects: loaded ${size - loaded} in ${loadSeconds.toFixed(1)} s, replicated in ${replicateSeconds.toFixed(1)} s more`,
    );
    loaded = size;
    const results = cases.map(([label, cmd, args]) => {
      const samples = Array.from({ length: runs }, () => measure(cmd, args));
      return { label, seconds: median(samples.map((s) => s.seconds)), rssMiB: Math.max(...samples.map((s) => s.rssMiB)) };
    });
    const mc = results[2]!;
    for (const r of results)
      rows.push(
        `${String(size).padStart(7)}  ${r.label.padEnd(34)} ${r.seconds.toFixed(2).padStart(7)} s ${r.rssMiB.toFixed(0).padStart(6)} MiB   ${(r.seconds / mc.seconds).toFixed(1).padStart(6)}x time ${(r.rssMiB / mc.rssMiB).toFixed(1).padStart(5)}x RSS`,
      );
  }
  console.log(`edge and central: one drive each; median of ${runs} runs, peak RSS; ratios to mc replicate status; Node ${process.version}`);
  console.log(`objects  command                              wall     peak RSS     vs mc`);
  for (const row of rows) console.log(row);
} finally {
  await Promise.all([edge.stop(), central.stop()]);
  rmSync(scratch, { recursive: true, force: true });
}
