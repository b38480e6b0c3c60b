// Wall time of `mpegflow encode` (source in MinIO -> HLS ladder in MinIO) against
// (1) the same ffmpeg encode on local files and (2) the `mc cp` + ffmpeg + `mc cp`
// script it replaces; prints both ratios and the peak RSS of the mpegflow node process.
// The same encode with the preset's quality gate (every rung scored against the source
// before anything is published) runs beside the plain one (--no-quality-gate): their ratio is the gate's cost.
// Usage: node bench/encode.ts [runs] [seconds]   (default 5 interleaved runs of a 30 s 1080p source; each ratio the median of the runs' pairs, with min and max)
// Build first (npm run build) to measure the shipped bundle; without dist/ it falls back to bin/dev.js (tsx),
// whose start-up and memory are not representative.
// Starts its own MinIO on 127.0.0.1 and removes everything it made afterwards.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSingleDrive } from '../test/support/minio.ts';
import { addBenchEndpoint, encodeArgs, encodeScript, generateSource, presetCommand } from './support/encode-pair.ts';
import { median, spread, timed } from './support/timed.ts';

/** Each line's target, met by the median (#29): PASS or FAIL. */
const verdict = (met: boolean) => (met ? 'PASS' : 'FAIL');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 5);
const seconds = Math.max(30, Number(process.argv[3] ?? 30));
const cli = path.join(root, 'bin', existsSync(path.join(root, 'dist', 'mpegflow.js')) ? 'run.js' : 'dev.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-bench-encode-'));
const minio = await startSingleDrive();
const client = minio.client();

try {
  const source = path.join(work, 'master.mp4');
  generateSource(source, seconds);
  const sourceBytes = statSync(source).size;
  await client.makeBucket('bench');
  await client.fPutObject('bench', 'masters/master.mp4', source);

  // mpegflow: one endpoint, secret from the environment
  const env = await addBenchEndpoint(work, cli, path.join(work, 'home'), minio);

  // the same ffmpeg command the pipeline runs, on local files
  const { plan, ffmpegArgs } = await presetCommand(source);

  // the script operators run today
  const script = encodeScript(work, path.join(work, 'mc'), minio, ffmpegArgs);

  const results = { mpegflow: [] as number[], gated: [] as number[], local: [] as number[], script: [] as number[] };
  const cpu = { mpegflow: [] as number[], gated: [] as number[], local: [] as number[], script: [] as number[] };
  let peakRssKb = 0;
  let gatedRssKb = 0;
  let breakdown = '';
  let scores = '';
  for (let run = 0; run < runs; run++) {
    const mf = await timed(work, process.execPath, encodeArgs(cli, `mpegflow-${run}`, '--no-quality-gate'), { env });
    results.mpegflow.push(mf.ms);
    cpu.mpegflow.push(mf.cpuS);
    peakRssKb = Math.max(peakRssKb, mf.peakRssKb);
    const doc = JSON.parse(mf.stdout) as {
      timings: { probeMs: number; encodeMs: number; uploadWaitMs: number };
      outputs: unknown[];
      bytesStored: number;
    };
    breakdown = `probe ${doc.timings.probeMs} ms, encode+upload ${doc.timings.encodeMs} ms, upload tail ${doc.timings.uploadWaitMs} ms, ${doc.outputs.length} objects, ${(doc.bytesStored / 1e6).toFixed(1)} MB`;

    const gated = await timed(work, process.execPath, encodeArgs(cli, `gated-${run}`), { env });
    results.gated.push(gated.ms);
    cpu.gated.push(gated.cpuS);
    gatedRssKb = Math.max(gatedRssKb, gated.peakRssKb);
    const quality = (JSON.parse(gated.stdout) as { quality: { frameStep: number; renditions: { name: string; ssim: { mean: number } }[] } })
      .quality;
    scores = `one frame in ${quality.frameStep}; SSIM ${quality.renditions.map((r) => `${r.name} ${r.ssim.mean.toFixed(4)}`).join(', ')}`;

    const out = path.join(work, `local-${run}`);
    mkdirSync(out);
    const lf = await timed(work, 'ffmpeg', ffmpegArgs(source), { cwd: out });
    results.local.push(lf.ms);
    cpu.local.push(lf.cpuS);
    rmSync(out, { recursive: true, force: true });

    const sc = await timed(work, 'bash', ['-c', script(`script-${run}`)]);
    results.script.push(sc.ms);
    cpu.script.push(sc.cpuS);
    rmSync(path.join(work, `script-${run}`), { recursive: true, force: true });
  }

  const m = {
    mpegflow: median(results.mpegflow),
    gated: median(results.gated),
    local: median(results.local),
    script: median(results.script),
  };
  // each run's pair, as timed one after the other
  const pairs = (a: number[], b: number[]) => a.map((v, i) => v / b[i]!);
  const vsLocal = pairs(results.mpegflow, results.local);
  const gate = pairs(results.gated, results.mpegflow);
  const vsScript = pairs(results.mpegflow, results.script);
  const all = (values: number[]) => values.map((v) => (v / 1000).toFixed(2)).join(' ');
  console.log(
    `source: ${seconds} s 1920x1080 25 fps, ${(sourceBytes / 1e6).toFixed(1)} MB; preset hls-h264 (${plan.renditions.map((r) => r.name).join('/')}); ${os.cpus().length} CPUs; load average now ${os.loadavg()[0]!.toFixed(2)}; ${runs} interleaved run(s)`,
  );
  console.log(`mpegflow encode MinIO -> MinIO     median ${(m.mpegflow / 1000).toFixed(2).padStart(7)} s   runs: ${all(results.mpegflow)}`);
  console.log(`                                   last run: ${breakdown}`);
  console.log(`mpegflow encode, quality gate      median ${(m.gated / 1000).toFixed(2).padStart(7)} s   runs: ${all(results.gated)}`);
  console.log(`                                   last run: ${scores}`);
  console.log(`ffmpeg, local files                median ${(m.local / 1000).toFixed(2).padStart(7)} s   runs: ${all(results.local)}`);
  console.log(`mc cp + ffmpeg + mc cp script      median ${(m.script / 1000).toFixed(2).padStart(7)} s   runs: ${all(results.script)}`);
  console.log(`ratio mpegflow / local ffmpeg      ${spread(vsLocal)}x   target <= 1.02: ${verdict(median(vsLocal) <= 1.02)}`);
  console.log(`ratio gated / plain mpegflow       ${spread(gate)}x   target <= 1.30: ${verdict(median(gate) <= 1.3)}`);
  console.log(`ratio mpegflow / script            ${spread(vsScript)}x   target < 1.0: ${verdict(median(vsScript) < 1)}`);
  const c = { mpegflow: median(cpu.mpegflow), gated: median(cpu.gated), local: median(cpu.local), script: median(cpu.script) };
  console.log(
    `CPU seconds (user+sys, process tree; MinIO's own excluded): mpegflow ${c.mpegflow.toFixed(1)}, gated ${c.gated.toFixed(1)}, local ffmpeg ${c.local.toFixed(1)}, script ${c.script.toFixed(1)}`,
  );
  console.log(
    `peak RSS of the mpegflow node process ${(peakRssKb / 1024).toFixed(1)} MB, with the gate ${(gatedRssKb / 1024).toFixed(1)} MB, target < 150 MB: ${verdict(Math.max(peakRssKb, gatedRssKb) < 150 * 1024)}`,
  );
} finally {
  await minio.stop();
  rmSync(work, { recursive: true, force: true });
}
