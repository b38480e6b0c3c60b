import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './minio.ts';

/**
 * A throwaway PostgreSQL cluster from Debian's packages for the tests:
 * `initdb` + `pg_ctl` on a free 127.0.0.1 port in a temporary folder, run as
 * the unprivileged `postgres` user when the tests run as root (initdb
 * refuses root). No system service. Stopped by `stop()`, and with `-m
 * immediate` when the test process exits, whatever happens.
 */

export const PG_USER = 'mpegflow';
/** The test cluster's password: tests check it never shows in any output. */
export const PG_PASSWORD = 'pg-Secret-7f3a9c';

const clusters = new Set<PostgresCluster>();
process.on('exit', () => {
  for (const cluster of clusters) cluster.stopNow();
});

export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

export class PostgresCluster {
  readonly dir: string;
  readonly port: number;
  readonly #bin: string;
  #running = false;
  #databases = 0;

  private constructor(dir: string, port: number, bin: string) {
    this.dir = dir;
    this.port = port;
    this.#bin = bin;
  }

  static async start(): Promise<PostgresCluster> {
    const bin = postgresBinDir();
    if (!bin) throw new Error('PostgreSQL server binaries not found: run `bash scripts/install-test-deps.sh` (Debian package postgresql)');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-pg-'));
    const cluster = new PostgresCluster(dir, await freePort(), bin);
    const pwfile = path.join(dir, 'pwfile');
    writeFileSync(pwfile, `${PG_PASSWORD}\n`);
    if (process.getuid?.() === 0) {
      const { uid, gid } = postgresUser();
      for (const p of [dir, pwfile]) chownSync(p, uid, gid);
    }
    cluster.#as('initdb', [
      '-D',
      path.join(dir, 'data'),
      '-U',
      PG_USER,
      '--auth=scram-sha-256',
      `--pwfile=${pwfile}`,
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    clusters.add(cluster);
    cluster.startServer();
    return cluster;
  }

  #as(tool: string, args: string[]): string {
    const command = path.join(this.#bin, tool);
    const asPostgres = process.getuid?.() === 0 ? ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', command] : [command];
    return execFileSync(asPostgres[0]!, [...asPostgres.slice(1), ...args], {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    }).toString();
  }

  /** Starts (or restarts) the server and waits until it accepts connections. */
  startServer(): void {
    this.#as('pg_ctl', [
      '-D',
      path.join(this.dir, 'data'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`,
      '-l',
      path.join(this.dir, 'log'),
      '-w',
      'start',
    ]);
    this.#running = true;
  }

  /** Stops the server at once, as a crash or a pulled cable would (no clean shutdown). */
  stopServer(): void {
    if (!this.#running) return;
    this.#as('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    this.#running = false;
  }

  stopNow(): void {
    try {
      this.stopServer();
    } catch {
      // already gone
    }
  }

  url(database: string, password = PG_PASSWORD): string {
    return `postgres://${PG_USER}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${database}`;
  }

  /** A new empty database on this cluster; its URL. */
  async createDatabase(name = `mf_${++this.#databases}_${process.pid}`): Promise<string> {
    const client = new pg.Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(path.join(this.dir, 'log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    this.stopNow();
    clusters.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error("no 'postgres' user: install Debian's postgresql package (bash scripts/install-test-deps.sh)");
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
