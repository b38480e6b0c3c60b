import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

/** Timing whole processes for the benches that compare MpegFlow with the tool a user would otherwise run. */

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A bench line's figure: the median, then the least and the most, e.g. "1.043 (min 1.020, max 1.110)". */
export function spread(values: number[], digits = 3): string {
  return `${median(values).toFixed(digits)} (min ${Math.min(...values).toFixed(digits)}, max ${Math.max(...values).toFixed(digits)})`;
}

/**
 * Runs a command under /usr/bin/time: wall time, CPU seconds (user + system) of
 * the whole process tree, and for the command itself the peak RSS (VmHWM,
 * sampled every 50 ms from /proc: /usr/bin/time's figure would be ffmpeg's).
 */
export function timed(
  work: string,
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ ms: number; cpuS: number; peakRssKb: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const report = path.join(work, `time-${process.hrtime.bigint()}.txt`);
    const start = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '%U %S', '-o', report, file, ...args], {
      cwd: options.cwd ?? work,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peakRssKb = 0;
    let commandPid: string | undefined;
    const sample = () => {
      try {
        commandPid ??= readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0] || undefined;
        if (!commandPid) return;
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${commandPid}/status`, 'utf8'));
        if (match) peakRssKb = Math.max(peakRssKb, Number(match[1]));
      } catch {
        // not started yet, or exited
      }
    };
    const timer = setInterval(sample, 50);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const [user, system] = readFileSync(report, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
      rmSync(report, { force: true });
      if (code !== 0)
        reject(
          new Error(`${path.basename(file)} ${args.slice(0, 4).join(' ')} exited ${code}:\n${stderr.slice(-2000)}${stdout.slice(-2000)}`),
        );
      else resolve({ ms, cpuS: (user ?? 0) + (system ?? 0), peakRssKb, stdout });
    });
  });
}
