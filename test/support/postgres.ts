import { execFileSync } from 'node:child_process';
import { chownSync, copyFileSync, chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, makeTestCA } from './minio.ts';

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
  /** With `tls`: the private CA that signed the server's certificate (for 127.0.0.1). */
  readonly caCert?: string;
  readonly #bin: string;
  #running = false;
  #databases = 0;

  private constructor(dir: string, port: number, bin: string, caCert?: string) {
    this.dir = dir;
    this.port = port;
    this.#bin = bin;
    this.caCert = caCert;
  }

  /** With `tls`, the server takes TCP connections over TLS only (hostssl), with a certificate from a private CA. */
  static async start(options: { tls?: boolean } = {}): Promise<PostgresCluster> {
    const bin = postgresBinDir();
    if (!bin) throw new Error('PostgreSQL server binaries not found: run `bash scripts/install-test-deps.sh` (Debian package postgresql)');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-pg-'));
    const ca = options.tls ? makeTestCA(path.join(dir, 'ca')) : undefined;
    const cluster = new PostgresCluster(dir, await freePort(), bin, ca?.caCert);
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
    if (ca) cluster.#requireTls(ca.certDir);
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

  /** The server's certificate and key in its data folder (PostgreSQL wants the key its own, mode 0600); pg_hba admits TCP over TLS only. */
  #requireTls(certDir: string): void {
    const data = path.join(this.dir, 'data');
    for (const [from, to] of [
      ['public.crt', 'server.crt'],
      ['private.key', 'server.key'],
    ] as const) {
      const file = path.join(data, to);
      copyFileSync(path.join(certDir, from), file);
      chmodSync(file, 0o600);
      if (process.getuid?.() === 0) {
        const { uid, gid } = postgresUser();
        chownSync(file, uid, gid);
      }
    }
    writeFileSync(path.join(data, 'pg_hba.conf'), 'local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n');
    writeFileSync(path.join(data, 'postgresql.auto.conf'), "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n", {
      flag: 'a',
    });
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

  /**
   * Freezes (SIGSTOP) or thaws (SIGCONT) the server and every backend: it
   * keeps its connections and answers nothing, as a hung host or a link that
   * drops packets would.
   */
  signalAll(signal: 'SIGSTOP' | 'SIGCONT'): void {
    const postmaster = Number(readFileSync(path.join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
    for (const pid of [postmaster, ...children]) process.kill(pid, signal);
  }

  stopNow(): void {
    try {
      this.stopServer();
    } catch {
      // already gone
    }
  }

  /** A connection URL; on a TLS cluster it verifies the server against the test CA unless `query` says otherwise. */
  url(database: string, password = PG_PASSWORD, query = this.caCert ? `sslmode=verify-full&sslrootcert=${this.caCert}` : ''): string {
    return `postgres://${PG_USER}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${database}${query ? `?${query}` : ''}`;
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
