import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../support/cli.ts';
import { PostgresCluster } from '../../support/postgres.ts';

/**
 * A PostgreSQL server that freezes (SIGSTOP: connections stay open, nothing
 * answers) must cost a command a bounded wait and a clear error, and must not
 * keep the process alive afterwards.
 */
describe('a PostgreSQL server that stops answering (SIGSTOP)', () => {
  let cluster: PostgresCluster;
  const script = `
      import { PostgresSql } from ${JSON.stringify(path.join(repoRoot, 'src/core/store/postgres.ts'))};
      const db = new PostgresSql(process.env.URL, { queryTimeoutMs: 2000 });
      await db.get('SELECT 1');
      console.log('ready');
      await new Promise((resolve) => process.stdin.once('data', resolve));
      if (process.env.QUERY) {
        const started = Date.now();
        const outcome = await db.get('SELECT 1').then(() => ({ answered: true }), (error) => ({ code: error.code, message: error.message }));
        console.log(JSON.stringify({ ...outcome, ms: Date.now() - started }));
      }
      await db.close();
      process.stdin.destroy();
    `;

  before(async () => {
    cluster = await PostgresCluster.start();
  });
  after(async () => {
    await cluster?.stop();
  });

  /** A process that opens the store, then (once the server is frozen) queries it if asked, and closes it. */
  async function frozenUnder(query: boolean) {
    const url = await cluster.createDatabase();
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, URL: url, QUERY: query ? '1' : '' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const within = <T>(promise: Promise<T>, what: string) =>
      Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(what)), 20_000))]);
    assert.equal((await lines.next()).value, 'ready');
    cluster.signalAll('SIGSTOP');
    const frozenAt = Date.now();
    child.stdin!.write('go\n');
    return {
      outcome: async () => JSON.parse((await within(lines.next(), 'the query hung')).value as string) as { code?: string; ms: number },
      exit: async () => ({ code: await within(exited, 'the process did not exit'), afterMs: Date.now() - frozenAt }),
      cleanup: () => {
        child.kill('SIGKILL');
        cluster.signalAll('SIGCONT');
      },
    };
  }

  it('a query is given up with DATABASE_UNREACHABLE, and the process exits', async () => {
    const run = await frozenUnder(true);
    try {
      const outcome = await run.outcome();
      assert.equal(outcome.code, 'DATABASE_UNREACHABLE', JSON.stringify(outcome));
      assert.ok(outcome.ms < 5_000, `given up after ${outcome.ms} ms`);
      assert.equal((await run.exit()).code, 0);
    } finally {
      run.cleanup();
    }
  });

  it('closing the store with idle connections to it: the process exits within the close bound, the server still frozen', async () => {
    const run = await frozenUnder(false);
    try {
      const { code, afterMs } = await run.exit();
      assert.equal(code, 0);
      assert.ok(afterMs < 10_000, `${afterMs} ms`);
    } finally {
      run.cleanup();
    }
  });
});
