// The encoder pool on PostgreSQL, measured: the same N short jobs (sources in MinIO) run by 1 and by 3
// worker processes, each its own "host" (MPEGFLOW_HOME, MPEGFLOW_HOST_NAME), sharing one database; beside
// them the peer an operator would otherwise script: `mc cp` + ffmpeg + `mc cp` per file, run by
// `xargs -P 1` and `xargs -P 3`. Prints throughput and the 3:1 ratio of each, claim latency (p50/p99 of
// claimJob against the real database, 1 and 3 concurrent claimers), and a kill -9 run (at least 20 kills
// spread over the workers) that must end with every job done exactly once, zero incomplete multipart
// uploads and a verifying audit chain. Then, per job, what each step costs (the median over the 1-worker
// run's jobs, from the timestamps of the job's log lines and attempts) beside the script's three commands.
// Usage: node bench/pool.ts [jobs=300] [kills=20]   (build first: npm run build)
// Starts its own MinIO and PostgreSQL on 127.0.0.1 and removes everything it made afterwards.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { claimJob } from '../src/core/jobs/queue.ts';
import { counts, jobSteps, median, percentile } from './support/pool-db.ts';
import { submitJobs } from '../src/core/jobs/submit.ts';
import { openStore } from '../src/core/store/open.ts';
import { vendorKeygen, vendorSign } from '../test/support/license.ts';
import { makeVideo } from '../test/support/media.ts';
import { incompleteUploads, minioBinary, startSingleDrive } from '../test/support/minio.ts';
import { PostgresCluster } from '../test/support/postgres.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const jobs = Number(process.argv[2] ?? 300);
const kills = Number(process.argv[3] ?? 20);
const cli = path.join(root, 'bin', 'run.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-pool-'));
const [minio, cluster] = await Promise.all([startSingleDrive(), PostgresCluster.start()]);
const client = minio.client();
const keys = vendorKeygen(work, 'bench-issuer');
const license = vendorSign(keys.privateJwk, ['--entitlements', 'encode,health,concurrentEncodes=8']);

function host(name: string, url: string): NodeJS.ProcessEnv {
  const home = path.join(work, 'hosts', name);
  mkdirSync(home, { recursive: true });
  return { ...process.env, MPEGFLOW_HOME: home, MPEGFLOW_HOST_NAME: name, MPEGFLOW_DATABASE_URL: url, NO_COLOR: '1' };
}

function mpegflow(env: NodeJS.ProcessEnv, args: string[], input?: string): string {
  return execFileSync(process.execPath, [cli, ...args], { env, input, cwd: work, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}

function startWorker(env: NodeJS.ProcessEnv, args: string[] = []): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [cli, 'worker', '--drain', '--lease-seconds', '4', '--backoff-seconds', '0', ...args], {
    env,
    cwd: work,
    stdio: 'ignore',
  });
  return { child, exited: new Promise((resolve) => child.on('close', resolve)) };
}

/**
 * A database with a license for 8 encodes at once across the pool (community mode allows one), the
 * endpoint known to every host (each with its own copy of the secret) and the jobs queued.
 */
async function preparePool(name: string, hosts: string[]): Promise<{ url: string; envs: NodeJS.ProcessEnv[] }> {
  const url = await cluster.createDatabase(name);
  const envs = hosts.map((h) => host(`${name}-${h}`, url));
  mpegflow(envs[0]!, ['license', 'install', '-', '--trusted-key', keys.publicJwks], license);
  for (const env of envs) {
    mpegflow(
      env,
      ['endpoint', 'add', 'store', '--replace', '--url', minio.url, '--access-key', minio.accessKey, '--secret-key-stdin'],
      minio.secretKey,
    );
  }
  mpegflow(envs[0]!, ['job', 'submit', 'store/masters/', '--recursive', '--preset', 'mp4-h264', '--to', `store/out/${name}/`]);
  return { url, envs };
}

async function poolRun(name: string, workers: number): Promise<{ seconds: number; url: string }> {
  const { url, envs } = await preparePool(
    name,
    Array.from({ length: workers }, (_, i) => `h${i + 1}`),
  );
  const started = performance.now();
  await Promise.all(envs.map((env) => startWorker(env).exited));
  const seconds = (performance.now() - started) / 1000;
  const c = await counts(url);
  if (c.done !== jobs || c.doneAttempts !== jobs) throw new Error(`${name}: ${c.done} done, ${c.doneAttempts} done attempts of ${jobs}`);
  console.log(
    `mpegflow pool, ${workers} worker(s): ${jobs} jobs in ${seconds.toFixed(1)} s = ${(jobs / seconds).toFixed(2)} jobs/s (each done exactly once)`,
  );
  return { seconds, url };
}

/** The peer: the script an operator writes without MpegFlow, one file per xargs slot; each command's milliseconds are logged per file. */
function scriptRun(parallel: number): { seconds: number; steps: [step: string, ms: number][] } {
  const mcConfig = path.join(work, 'mc');
  const mc = minioBinary('mc');
  execFileSync(mc, ['--config-dir', mcConfig, 'alias', 'set', 's', minio.url, minio.accessKey, minio.secretKey], { stdio: 'ignore' });
  const script = path.join(work, 'encode-one.sh');
  const stepLog = path.join(work, `script-steps-${parallel}.txt`);
  writeFileSync(
    script,
    `set -e\nf="$1"; d=$(mktemp -d); t0=$(date +%s%N)\n"${mc}" --config-dir "${mcConfig}" -q cp "s/masters/$f" "$d/in.mp4" >/dev/null\nt1=$(date +%s%N)\n` +
      `ffmpeg -loglevel error -nostdin -i "$d/in.mp4" -c:v libx264 -preset medium -profile:v high -pix_fmt yuv420p -crf 21 -maxrate 8000k -bufsize 16000k -g 50 -c:a aac -b:a 160k -ar 48000 -ac 2 -movflags +faststart "$d/out.mp4"\nt2=$(date +%s%N)\n` +
      `"${mc}" --config-dir "${mcConfig}" -q cp "$d/out.mp4" "s/out/script-${parallel}/$f" >/dev/null\nt3=$(date +%s%N)\nrm -rf "$d"\n` +
      `echo "$(((t1 - t0) / 1000000)) $(((t2 - t1) / 1000000)) $(((t3 - t2) / 1000000))" >> "${stepLog}"\n`,
  );
  const list = Array.from({ length: jobs }, (_, i) => `clip${i}.mp4`).join('\n');
  const started = performance.now();
  execFileSync('bash', ['-c', `xargs -P ${parallel} -n 1 bash ${script}`], { input: list, stdio: ['pipe', 'ignore', 'inherit'] });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `mc cp + ffmpeg + mc cp script, xargs -P ${parallel}: ${jobs} files in ${seconds.toFixed(1)} s = ${(jobs / seconds).toFixed(2)} files/s`,
  );
  const logged = readFileSync(stepLog, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ').map(Number));
  const steps = ['download (mc cp)', 'encode (ffmpeg)', 'upload (mc cp)'].map((step, i): [string, number] => [
    step,
    median(logged.map((l) => l[i]!)),
  ]);
  return { seconds, steps: [...steps, ['whole file', median(logged.map((l) => l[0]! + l[1]! + l[2]!))]] };
}

/** Per job, each step of MpegFlow's beside the script's, and the overhead of each (all but the encode itself). */
function printSteps(mpegflow: [string, number][], script: [string, number][]): void {
  console.log('per job, 1 worker / xargs -P 1 (median ms over the jobs):');
  for (const [step, ms] of mpegflow) console.log(`  mpegflow ${step.padEnd(34)} ${ms.toFixed(0).padStart(6)}`);
  for (const [step, ms] of script) console.log(`  script   ${step.padEnd(34)} ${ms.toFixed(0).padStart(6)}`);
  const of = (steps: [string, number][], name: string) => steps.find(([step]) => step === name)![1];
  const overhead = of(mpegflow, 'whole attempt') - of(mpegflow, 'encode');
  const scriptOverhead = of(script, 'whole file') - of(script, 'encode (ffmpeg)');
  console.log(
    `per-job overhead (all but the encode): mpegflow ${overhead.toFixed(0)} ms, script ${scriptOverhead.toFixed(0)} ms: ${(overhead / scriptOverhead).toFixed(2)}x, target <= 1.3x: ${overhead / scriptOverhead <= 1.3 ? 'PASS' : 'FAIL'}`,
  );
}

async function claimLatency(): Promise<void> {
  const url = await cluster.createDatabase('claims');
  const stores = await Promise.all([1, 2, 3].map(() => openStore({ databaseUrl: url })));
  const specs = Array.from({ length: 900 }, (_, i) => ({
    source: `store/masters/c${i}.mp4`,
    sourceIdentity: `c${i}`,
    preset: 'mp4-h264',
    presetFile: null,
    presetHash: 'h',
    destination: `store/out/c${i}`,
    priority: 0,
    needs: ['endpoint:store'],
  }));
  await submitJobs({ db: stores[0]!, specs });
  for (const claimers of [1, 3]) {
    const times: number[] = [];
    await Promise.all(
      stores.slice(0, claimers).map(async (db, w) => {
        for (let i = 0; i < 300 / claimers; i++) {
          const t = performance.now();
          const job = await claimJob({ db, worker: `w${w}`, host: `h${w}`, leaseMs: 60_000, capabilities: 'any' });
          times.push(performance.now() - t);
          if (!job) throw new Error('queue ran dry');
        }
      }),
    );
    console.log(
      `claim latency, ${claimers} concurrent claimer(s): p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms (${times.length} claims)`,
    );
  }
  await Promise.all(stores.map((s) => s.close()));
}

async function killRun(): Promise<void> {
  const { url, envs } = await preparePool('kills', ['k1', 'k2', 'k3']);
  const live = envs.map((env) => startWorker(env, ['--concurrency', '1']));
  let killed = 0;
  const started = performance.now();
  while (killed < kills) {
    await sleep(1500 + Math.random() * 1500);
    const i = killed % live.length;
    live[i]!.child.kill('SIGKILL');
    await live[i]!.exited;
    killed++;
    live[i] = startWorker(envs[i]!, ['--concurrency', '1']);
  }
  // the last ones drain what is left (jobs of killed workers come back once their 4 s leases run out)
  for (;;) {
    await Promise.all(live.map((w) => w.exited));
    const c = await counts(url);
    if (c.done === jobs) break;
    await sleep(4500);
    for (let i = 0; i < live.length; i++) live[i] = startWorker(envs[i]!, ['--concurrency', '1']);
  }
  const seconds = (performance.now() - started) / 1000;
  const c = await counts(url);
  const incomplete = await incompleteUploads(client, 'out');
  const verify = JSON.parse(mpegflow(envs[0]!, ['audit', 'verify', '--json'])) as { ok: boolean; entries: number };
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const lost = Number((await db.query<{ n: string }>("SELECT COUNT(*) AS n FROM job_attempts WHERE outcome = 'lost'")).rows[0]!.n);
  await db.end();
  console.log(
    `kill -9 run: ${killed} kills over 3 workers, ${jobs} jobs in ${seconds.toFixed(1)} s; done ${c.done}, done attempts ${c.doneAttempts} (exactly once: ${c.done === jobs && c.doneAttempts === jobs}), ` +
      `attempts lost to kills ${lost}, incomplete multipart uploads ${incomplete.length}, audit chain ${verify.ok ? 'verifies' : 'BROKEN'} (${verify.entries} entries)`,
  );
}

try {
  await Promise.all([client.makeBucket('masters'), client.makeBucket('out')]);
  const clip = makeVideo(path.join(work, 'clip.mp4'), { width: 320, height: 240, seconds: 1 });
  for (let i = 0; i < jobs; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, jobs - i) }, (_, k) => client.fPutObject('masters', `clip${i + k}.mp4`, clip)));
  }
  console.log(
    `${jobs} one-second 320x240 sources in MinIO; ${os.cpus().length} CPU cores; preset mp4-h264 (libx264 medium, CRF 21) for both`,
  );
  await claimLatency();
  const { seconds: one, url: oneUrl } = await poolRun('one', 1);
  const { seconds: three } = await poolRun('three', 3);
  console.log(`mpegflow pool throughput, 3 workers : 1 worker = ${(one / three).toFixed(2)} : 1`);
  const { seconds: s1, steps: scriptSteps } = scriptRun(1);
  const { seconds: s3 } = scriptRun(3);
  console.log(`script throughput, -P 3 : -P 1 = ${(s1 / s3).toFixed(2)} : 1`);
  console.log(`mpegflow vs script: 1 worker ${(one / s1).toFixed(2)}x the script's time, 3 workers ${(three / s3).toFixed(2)}x`);
  printSteps(await jobSteps(oneUrl), scriptSteps);
  await killRun();
} finally {
  await Promise.all([minio.stop(), cluster.stop()]);
  rmSync(work, { recursive: true, force: true });
}
