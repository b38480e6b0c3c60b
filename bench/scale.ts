// Costs that must not grow with the bucket, measured at 1k, 10k and 100k objects in a real MinIO:
// `job submit --recursive` of a prefix (first run, the unchanged re-run that queues nothing, and a
// routed run that reads each object's customer and class) beside `mc ls -r` of the same prefix,
// and `audit verify` / `audit list` over logs of the same sizes.
// Up to 10k objects, a submit and its `mc ls -r` are run five times, interleaved, and the medians kept. Both
// tools pay a fixed start-up (mpegflow's Node and oclif, about 0.4 s, against mc's 0.03 s) that no prefix
// size changes, so the bench also prints the time beyond a one-object prefix: what grows with the objects.
// Each command runs as its own process under /usr/bin/time, mpegflow through bin/mpegflow as installed:
// wall time and peak resident memory, and (V8's --trace-gc) the largest heap left after a full collection,
// which is what the process holds.
// Usage: node bench/scale.ts [sizes=1000,10000,100000]   (build first: npm run build)
// Starts its own MinIO on 127.0.0.1 and removes everything it made afterwards.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { entryHash, GENESIS_HASH, insertEntry, type AuditEntry } from '../src/core/audit/log.ts';
import { openStore } from '../src/core/store/open.ts';
import { minioBinary, startSingleDrive } from '../test/support/minio.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sizes = (process.argv[2] ?? '1000,10000,100000').split(',').map(Number);
const cli = path.join(root, 'bin', 'mpegflow');
const work = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-scale-'));
const minio = await startSingleDrive();
const client = minio.client();
const mcConfig = path.join(work, 'mc');
execFileSync(minioBinary('mc'), ['--config-dir', mcConfig, 'alias', 'set', 'store', minio.url, minio.accessKey, minio.secretKey], {
  stdio: 'ignore',
});

interface Measured {
  seconds: number;
  peakMb: number;
  /** Largest heap left after a full GC: what the process holds, not V8's headroom. */
  liveMb?: number;
}

/** Runs a command to the end under GNU time; its output is discarded but must not be an error. */
function measure(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Measured {
  const timing = path.join(work, 'time.txt');
  const output = path.join(work, 'output.txt');
  try {
    execFileSync(
      'bash',
      ['-c', 'out="$1"; shift; exec /usr/bin/time "$@" > "$out"', '-', output, '-o', timing, '-f', '%e %M', command, ...args],
      {
        env,
        cwd: work,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  } catch (error) {
    throw new Error(`${path.basename(command)} ${args.join(' ')} failed: ${readFileSync(output, 'utf8').slice(0, 2000)}`, { cause: error });
  }
  const [seconds, kb] = readFileSync(timing, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  const afterFullGc = [...readFileSync(output, 'utf8').matchAll(/Mark-Compact [\d.]+ \([\d.]+\) -> ([\d.]+) \(/g)].map((m) => Number(m[1]));
  return { seconds: seconds!, peakMb: kb! / 1024, ...(afterFullGc.length ? { liveMb: Math.max(...afterFullGc) } : {}) };
}

const traceGc = `--import ${path.join(root, 'bench', 'support', 'trace-gc.mjs')}`;
const mpegflow = (env: NodeJS.ProcessEnv, args: string[]) => measure(cli, args, { ...env, NODE_OPTIONS: traceGc });
const mcList = (prefix: string) => measure(minioBinary('mc'), ['--config-dir', mcConfig, 'ls', '-r', `store/masters/${prefix}/`]);
const medianOf = (runs: Measured[]) => [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)]!;

function home(name: string): NodeJS.ProcessEnv {
  return { ...process.env, MPEGFLOW_HOME: path.join(work, name), NO_COLOR: '1' };
}

/** A home with the bench's MinIO configured as `store`. */
function withEndpoint(name: string): NodeJS.ProcessEnv {
  const env = home(name);
  execFileSync(cli, ['endpoint', 'add', 'store', '--url', minio.url, '--access-key', minio.accessKey, '--secret-key-stdin'], {
    env,
    input: minio.secretKey,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  return env;
}

async function loadObjects(prefix: string, count: number): Promise<number> {
  const started = performance.now();
  const body = Buffer.from('not really a movie');
  const lanes = 64;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = lane; i < count; i += lanes)
        await client.putObject('masters', `${prefix}/reel-${Math.floor(i / 1000)}/clip-${i}.mov`, body, body.length);
    }),
  );
  return (performance.now() - started) / 1000;
}

/** An audit log of `count` chained entries, written straight into a fresh state file. */
async function auditLog(env: NodeJS.ProcessEnv, count: number): Promise<void> {
  const db = await openStore({ file: path.join(env.MPEGFLOW_HOME!, 'state.db') });
  await db.transaction(async (tx) => {
    let prevHash = GENESIS_HASH;
    for (let id = 1; id <= count; id++) {
      const input = {
        ts: new Date(Date.UTC(2026, 0, 1) + id * 1000).toISOString(),
        actor: 'ops@encoder-1',
        command: id % 3 ? 'job submit' : 'encode',
        args: ['central/masters/2026/', '--recursive', '--preset', 'hls-h264'],
        target: `central/masters/2026/clip-${id}.mov`,
        outcome: 'success' as const,
        exitCode: 0,
        durationMs: 120,
        detail: { submitted: 1, skipped: 0 },
      };
      const entry: AuditEntry = { ...input, id, prevHash, hash: entryHash(prevHash, id, input) };
      await insertEntry(tx, entry);
      prevHash = entry.hash;
    }
    await tx.run('INSERT INTO audit_head (singleton, last_id, last_hash, entries) VALUES (1, ?, ?, ?)', [count, prevHash, count]);
  });
  await db.close();
}

const row = (cells: (string | number)[]) => console.log(cells.map((c) => String(c).padStart(12)).join(''));
const fmt = (m: Measured) => `${m.seconds.toFixed(2)} s`;
const mb = (m: Measured) => `${m.peakMb.toFixed(0)} MB`;
const live = (m: Measured) => (m.liveMb === undefined ? '-' : `${m.liveMb.toFixed(0)} MB`);

await client.makeBucket('masters');
const results: {
  size: number;
  submit: Measured;
  resubmit: Measured;
  routed: Measured;
  ls: Measured;
  verify: Measured;
  list: Measured;
}[] = [];
const plainly = ['--preset', 'mp4-h264', '--to', 'store/out/encoded/'];
const submitArgs = (prefixes: string[], how = plainly) => [
  'job',
  'submit',
  ...prefixes.map((prefix) => `store/masters/${prefix}/`),
  '--recursive',
  ...how,
  '--json',
];
/**
 * `mc ls -r` of the prefix and a first submit of it into a fresh home, `repeats` times interleaved so
 * that machine noise hits both alike: the medians, and the home of the last submit (its jobs queued).
 */
function listAndSubmit(prefix: string, repeats: number): { ls: Measured; submit: Measured; env: NodeJS.ProcessEnv } {
  const ls: Measured[] = [];
  const submit: Measured[] = [];
  let env = process.env;
  for (let i = 0; i < repeats; i++) {
    env = withEndpoint(`${prefix}-${i}`);
    ls.push(mcList(prefix));
    submit.push(mpegflow(env, submitArgs([prefix])));
  }
  return { ls: medianOf(ls), submit: medianOf(submit), env };
}

let thrice: { sources: number; fresh: Measured; again: Measured } | undefined;
let oneObject: { ls: Measured; submit: Measured } | undefined;
try {
  await client.putObject('masters', 'n1/reel-0/clip-0.mov', Buffer.from('not really a movie'));
  // V8 compiles the CLI's code on its first run after an install and caches it (bin/run.js): not measured
  mpegflow(withEndpoint('warm-up'), submitArgs(['n1']));
  oneObject = listAndSubmit('n1', 5);
  for (const size of sizes) {
    const prefix = `n${size}`;
    const loaded = await loadObjects(prefix, size);
    console.log(`loaded ${size} objects in ${loaded.toFixed(1)} s`);
    const routedEnv = withEndpoint(`routed${size}`);
    execFileSync(cli, ['route', 'add', 'all', '--preset', 'mp4-h264', '--to', 'store/out/{stem}/'], {
      env: routedEnv,
      stdio: 'ignore',
    });
    const { ls, submit, env } = listAndSubmit(prefix, size <= 10_000 ? 5 : 1);
    const resubmit = mpegflow(env, submitArgs([prefix]));
    // every object's customer and class read from the listing (MinIO's metadata extension) to route it
    const routed = mpegflow(routedEnv, submitArgs([prefix], ['--route', 'auto']));
    // memory must level off, not follow the count: the largest prefix three times over in one command
    // the first pass queues the prefix and the other two are skipped as already queued: all three are listed and spooled
    if (size === Math.max(...sizes))
      thrice = {
        sources: 3 * size,
        fresh: mpegflow(withEndpoint(`thrice${size}`), submitArgs([prefix, prefix, prefix])),
        again: mpegflow(env, submitArgs([prefix, prefix, prefix])),
      };
    const auditEnv = home(`audit${size}`);
    await auditLog(auditEnv, size);
    const verify = mpegflow(auditEnv, ['audit', 'verify', '--json']);
    const list = mpegflow(auditEnv, ['audit', 'list', '--limit', '50', '--json']);
    results.push({ size, submit, resubmit, routed, ls, verify, list });
  }
  console.log('\njob submit --recursive of a prefix of N objects, beside `mc ls -r` of the same prefix (time, peak memory):');
  row(['objects', 'mc ls -r', 'submit', 'submit/ls', 're-submit', 'resub/ls', 'ls mem', 'submit mem', 'resub mem', 'live heap']);
  for (const r of results)
    row([
      r.size,
      fmt(r.ls),
      fmt(r.submit),
      `${(r.submit.seconds / r.ls.seconds).toFixed(2)}x`,
      fmt(r.resubmit),
      `${(r.resubmit.seconds / r.ls.seconds).toFixed(2)}x`,
      mb(r.ls),
      mb(r.submit),
      mb(r.resubmit),
      live(r.submit),
    ]);
  if (oneObject) {
    const base = oneObject;
    console.log(
      `\nthe same beyond a one-object prefix (mc ls -r ${fmt(base.ls)}, submit ${fmt(base.submit)}, start-up included): what grows with the objects`,
    );
    row(['objects', 'mc ls -r', 'submit', 'submit/ls']);
    for (const r of results) {
      const [ls, submit] = [r.ls.seconds - base.ls.seconds, r.submit.seconds - base.submit.seconds];
      row([r.size, `+${ls.toFixed(2)} s`, `+${submit.toFixed(2)} s`, `${(submit / ls).toFixed(2)}x`]);
    }
  }
  console.log('\njob submit --recursive --route auto (customer and class of each object from the listing):');
  row(['objects', 'routed', 'routed/ls', 'routed mem']);
  for (const r of results) row([r.size, fmt(r.routed), `${(r.routed.seconds / r.ls.seconds).toFixed(2)}x`, mb(r.routed)]);
  if (thrice)
    for (const [what, run] of [
      ['submit', thrice.fresh],
      ['re-submit', thrice.again],
    ] as const)
      console.log(
        `one ${what} of ${thrice.sources} sources (the largest prefix given three times): ${fmt(run)}, peak ${mb(run)}, live heap ${live(run)}`,
      );
  console.log('\naudit log of N entries (time, peak memory):');
  row(['entries', 'verify', 'verify mem', 'live heap', 'list 50', 'list mem']);
  for (const r of results) row([r.size, fmt(r.verify), mb(r.verify), live(r.verify), fmt(r.list), mb(r.list)]);
  if (results.length > 1) {
    const [small, large] = [results.at(-2)!, results.at(-1)!];
    console.log(
      `\npeak memory ${large.size} vs ${small.size}: submit ${(large.submit.peakMb / small.submit.peakMb).toFixed(2)}x, ` +
        `re-submit ${(large.resubmit.peakMb / small.resubmit.peakMb).toFixed(2)}x, audit verify ${(large.verify.peakMb / small.verify.peakMb).toFixed(2)}x`,
    );
  }
} finally {
  await minio.stop();
  rmSync(work, { recursive: true, force: true });
}
