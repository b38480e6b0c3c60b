// `mpegflow encode` MinIO -> MinIO against the `mc cp` + ffmpeg + `mc cp` script, and `endpoint test --throughput`
// against `mc cp`, with MinIO across a shaped link instead of on loopback: MinIO runs in its own network
// namespace behind a veth pair with `tc` `tbf` at 1 Gbit/s on both ends (egress of each), and mpegflow, mc
// and ffmpeg run on the host. Two links: the plain 1 Gbit/s one, and the same with a 20 ms round trip, as
// between an edge and a central site. This kernel has no netem, so the delay is a userspace delay line in the
// path (test/support/fault-proxy.ts with delayMs 10: each chunk passed on 10 ms after it arrived, each way;
// it caps no rate), on the host in a process of its own (bench/support/delay-proxy.ts).
// Usage: node bench/shaped-link.ts [pairs=5] [seconds=30] [sizeMiB=256]
//   pairs: interleaved pairs a comparison and link; seconds: the 1080p source's length; sizeMiB: the throughput payload.
// Build first (npm run build). Needs root (ip netns, tc): without it, or when a namespace cannot be made, it
// prints SKIPPED and why, and exits 0 with no verdict. Removes its namespace, links, MinIO and folders afterwards.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSingleDrive, type Deployment } from '../test/support/minio.ts';
import { addBenchEndpoint, encodeArgs, encodeScript, generateSource, presetCommand, type BenchStore } from './support/encode-pair.ts';
import { median, spread, timed } from './support/timed.ts';
import { endpointThroughput, mcEnvFor, mcUpload, writePayload } from './support/throughput-pair.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pairs = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 30);
const sizeMiB = Number(process.argv[4] ?? 256);
/** mc cp's parts in flight (minio-go's default, mc has no flag for it): mpegflow's test is given the same. */
const concurrency = 4;
const delayMs = 10;
const cli = path.join(root, 'bin', 'run.js');

const skip = (why: string): never => {
  console.log(`SKIPPED: ${why}`);
  process.exit(0);
};
if (process.getuid?.() !== 0) skip('not root: a network namespace, a veth pair and tc need root (run as root for the shaped link)');
if (!statSync(path.join(root, 'dist', 'mpegflow.js'), { throwIfNoEntry: false })) throw new Error('no dist/: run npm run build first');

const run = (args: string[]) => execFileSync(args[0]!, args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
const id = process.pid;
const ns = `mpegflow-bench-${id}`;
const hostLink = `mfb${id}h`;
const nsLink = `mfb${id}n`;
const used = execFileSync('ip', ['-o', '-4', 'addr'], { encoding: 'utf8' });
const subnet = [...Array(254).keys()].map((n) => ((id + n) % 254) + 1).find((n) => !used.includes(`10.200.${n}.`));
if (subnet === undefined) skip('no free 10.200.N.0/24 subnet on this host');
const hostAddress = `10.200.${subnet}.1`;
const nsAddress = `10.200.${subnet}.2`;

let minio: Deployment | undefined;
let proxy: ChildProcess | undefined;
let work: string | undefined;
let namespaceMade = false;
/** Undoes everything, synchronously so that SIGINT can run it too; safe to run twice. */
const cleanUp = () => {
  proxy?.kill('SIGKILL');
  for (const node of minio?.nodes ?? []) node.process?.kill('SIGKILL');
  if (minio) rmSync(minio.base, { recursive: true, force: true });
  if (namespaceMade) {
    for (const args of [
      ['ip', 'netns', 'del', ns],
      ['ip', 'link', 'del', hostLink],
    ])
      try {
        run(args);
      } catch {
        // the veth pair goes with the namespace
      }
    namespaceMade = false;
  }
  if (work) rmSync(work, { recursive: true, force: true });
};
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)
  process.on(signal, () => {
    cleanUp();
    process.exit(code);
  });

try {
  run(['ip', 'netns', 'add', ns]);
  namespaceMade = true;
} catch (error) {
  skip(`ip netns add ${ns} failed: ${(error as { stderr?: Buffer }).stderr?.toString().trim() ?? String(error)}`);
}

try {
  const tbf = ['root', 'tbf', 'rate', '1gbit', 'burst', '256kb', 'latency', '50ms'];
  const inNs = ['ip', 'netns', 'exec', ns];
  for (const args of [
    ['ip', 'link', 'add', hostLink, 'type', 'veth', 'peer', 'name', nsLink],
    ['ip', 'link', 'set', nsLink, 'netns', ns],
    ['ip', 'addr', 'add', `${hostAddress}/24`, 'dev', hostLink],
    ['ip', 'link', 'set', hostLink, 'up'],
    [...inNs, 'ip', 'addr', 'add', `${nsAddress}/24`, 'dev', nsLink],
    [...inNs, 'ip', 'link', 'set', nsLink, 'up'],
    [...inNs, 'ip', 'link', 'set', 'lo', 'up'],
    ['tc', 'qdisc', 'add', 'dev', hostLink, ...tbf],
    [...inNs, 'tc', 'qdisc', 'add', 'dev', nsLink, ...tbf],
  ]) {
    try {
      run(args);
    } catch (error) {
      throw new Error(`${args.join(' ')}: ${(error as { stderr?: Buffer }).stderr?.toString().trim() ?? String(error)}`, { cause: error });
    }
  }

  work = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-shaped-'));
  minio = await startSingleDrive({ host: nsAddress, netns: ns });
  proxy = spawn(
    process.execPath,
    [path.join(root, 'bench', 'support', 'delay-proxy.ts'), nsAddress, String(minio.nodes[0]!.port), String(delayMs)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const proxyPort = await new Promise<string>((resolve, reject) => {
    proxy!.stdout!.once('data', (line: Buffer) => resolve(line.toString().trim()));
    proxy!.once('exit', (code) => reject(new Error(`the delay proxy exited ${code}`)));
  });
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  /** CPU seconds of the delay proxy so far (user + system, from /proc, 100 ticks a second). */
  const proxyCpuS = () => {
    const fields = readFileSync(`/proc/${proxy!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  const client = minio.client();

  const source = path.join(work, 'master.mp4');
  generateSource(source, seconds);
  const sourceBytes = statSync(source).size;
  await client.makeBucket('bench');
  await client.fPutObject('bench', 'masters/master.mp4', source);
  const { plan, ffmpegArgs } = await presetCommand(source);
  const payload = path.join(work, 'payload.bin');
  writePayload(payload, sizeMiB * 1024 * 1024);

  const links = [
    { name: '1 Gbit/s', url: minio.url, target: 1.0 },
    { name: `1 Gbit/s, ${2 * delayMs} ms RTT`, url: proxyUrl, target: 0.95 },
  ];
  console.log(
    `MinIO in namespace ${ns} at ${nsAddress}, tbf 1gbit on both veth ends; the ${2 * delayMs} ms link through a delay line on the host (${proxyUrl}); ` +
      `source ${seconds} s 1080p25, ${(sourceBytes / 1e6).toFixed(1)} MB, hls-h264 (${plan.renditions.map((r) => r.name).join('/')}); ` +
      `throughput payload ${sizeMiB} MiB, ${concurrency} parts in flight; ${pairs} interleaved pair(s) a line, ${os.cpus().length} CPUs`,
  );

  for (const [index, link] of links.entries()) {
    const label = `l${index}`;
    const linkWork = path.join(work, label);
    const store: BenchStore = { url: link.url, accessKey: minio.accessKey, secretKey: minio.secretKey };
    mkdirSync(linkWork);
    const env = await addBenchEndpoint(linkWork, cli, path.join(linkWork, 'home'), store);
    const script = encodeScript(linkWork, path.join(linkWork, 'mc-script'), store, ffmpegArgs);
    const proxyCpu = proxyCpuS();

    // (1) the encode: the order in a pair alternates, so neither always runs on a warmer cache
    const encode = { ratios: [] as number[], mpegflowCpu: [] as number[], scriptCpu: [] as number[] };
    for (let pair = 0; pair < pairs; pair++) {
      const mpegflowRun = () =>
        timed(linkWork, process.execPath, encodeArgs(cli, `${label}-mpegflow-${pair}`, '--no-quality-gate'), { env });
      const scriptRun = () => timed(linkWork, 'bash', ['-c', script(`${label}-script-${pair}`)]);
      let mf, sc;
      if (pair % 2 === 0) {
        mf = await mpegflowRun();
        sc = await scriptRun();
      } else {
        sc = await scriptRun();
        mf = await mpegflowRun();
      }
      rmSync(path.join(linkWork, `${label}-script-${pair}`), { recursive: true, force: true });
      encode.ratios.push(mf.ms / sc.ms);
      encode.mpegflowCpu.push(mf.cpuS);
      encode.scriptCpu.push(sc.cpuS);
    }
    const encodeLoad = os.loadavg()[0]!;

    // (2) the throughput figure, after one warm-up of each
    const mcEnv = mcEnvFor(linkWork, store);
    const throughput = {
      ratios: [] as number[],
      mpegflow: [] as number[],
      mc: [] as number[],
      mpegflowCpu: [] as number[],
      mcCpu: [] as number[],
    };
    for (let pair = -1; pair < pairs; pair++) {
      const ours = await endpointThroughput(linkWork, cli, env, sizeMiB, concurrency);
      const theirs = await mcUpload(linkWork, mcEnv, payload, sizeMiB * 1024 * 1024, `${label}-mc-${pair}.bin`);
      if (pair < 0) continue;
      throughput.ratios.push(ours.upload / theirs.mbPerSecond);
      throughput.mpegflow.push(ours.upload);
      throughput.mc.push(theirs.mbPerSecond);
      throughput.mpegflowCpu.push(ours.cpuS);
      throughput.mcCpu.push(theirs.cpuS);
    }
    const delayLineCpu = proxyCpuS() - proxyCpu;

    const e = median(encode.ratios);
    console.log(
      `[${link.name}] encode mpegflow / script median ${spread(encode.ratios)}; CPU s mpegflow ${median(encode.mpegflowCpu).toFixed(1)}, script ${median(encode.scriptCpu).toFixed(1)}; ` +
        `load ${encodeLoad.toFixed(2)}; target < ${link.target.toFixed(2)}: ${e < link.target ? 'PASS' : 'FAIL'}`,
    );
    const t = median(throughput.ratios);
    console.log(
      `[${link.name}] upload endpoint test / mc cp median ${spread(throughput.ratios)} (${median(throughput.mpegflow).toFixed(1)} vs ${median(throughput.mc).toFixed(1)} MB/s); ` +
        `CPU s mpegflow ${median(throughput.mpegflowCpu).toFixed(1)}, mc ${median(throughput.mcCpu).toFixed(1)}` +
        `${link.url === proxyUrl ? `, delay line (both comparisons, all pairs) ${delayLineCpu.toFixed(1)}` : ''}; ` +
        `load ${os.loadavg()[0]!.toFixed(2)}; target within 10 %: ${Math.abs(t - 1) <= 0.1 ? 'PASS' : 'FAIL'}`,
    );
  }
} catch (error) {
  if (minio) console.error(`--- MinIO log ---\n${minio.logTail()}`);
  throw error;
} finally {
  await minio?.stop();
  minio = undefined;
  cleanUp();
}
