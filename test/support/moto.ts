import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from './cli.ts';
import { freePort } from './minio.ts';

/**
 * moto's server: a real S3 implementation that is not MinIO and has no
 * MinIO admin API. Installed by scripts/install-test-deps.sh into .tools/moto;
 * undefined when it is not there.
 */
export async function startMotoServer(): Promise<{ url: string; stop: () => Promise<void> } | undefined> {
  const bin = path.join(repoRoot, '.tools', 'moto', 'bin', 'moto_server');
  if (!existsSync(bin)) return undefined;
  const port = await freePort();
  const child = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing-secret' },
  });
  process.on('exit', () => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    try {
      await fetch(url);
      return {
        url,
        stop: async () => {
          child.kill('SIGTERM');
          await new Promise((resolve) => child.once('exit', resolve));
        },
      };
    } catch {
      await sleep(200);
    }
  }
  child.kill('SIGKILL');
  throw new Error('moto_server did not start');
}
