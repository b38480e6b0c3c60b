import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseJson, runCli, tempHome } from '../../support/cli.ts';
import { makeVideo } from '../../support/media.ts';
import { PG_PASSWORD, PostgresCluster } from '../../support/postgres.ts';

interface ErrorDoc {
  error: { code: string; message: string; suggestion?: string };
}

/**
 * An encoder pool whose database is across a network: a real PostgreSQL
 * cluster that takes TCP connections over TLS only, its certificate signed by
 * a private CA, as a site's database server would be.
 */
describe('the pool database over TLS (a real PostgreSQL that takes TLS only)', () => {
  const { home, cleanup } = tempHome('mpegflow-pg-tls-');
  let cluster: PostgresCluster;
  let database: string;
  const cli = (args: string[], url: string) => runCli(args, { home, env: { MPEGFLOW_DATABASE_URL: url, MPEGFLOW_HOST_NAME: 'enc1' } });
  const withQuery = (query: string) => cluster.url(database, PG_PASSWORD, query);

  before(async () => {
    cluster = await PostgresCluster.start({ tls: true });
    database = path.basename(new URL(await cluster.createDatabase('pool')).pathname);
  });
  after(async () => {
    await cluster?.stop();
    cleanup();
  });

  it('with the CA named in the URL: the certificate is checked and the pool reads and writes', async () => {
    const clip = makeVideo(path.join(home, 'clip.mp4'), { width: 160, height: 120, seconds: 1 });
    const submit = await cli(['job', 'submit', clip, '--preset', 'proxy', '--json'], cluster.url(database));
    assert.equal(submit.code, 0, submit.stdout + submit.stderr);
    for (const mode of ['verify-full', 'require']) {
      const list = await cli(['job', 'list', '--json'], withQuery(`sslmode=${mode}&sslrootcert=${cluster.caCert}`));
      assert.equal(list.code, 0, `${mode}: ${list.stderr}`);
      assert.equal(parseJson<{ jobs: unknown[] }>(list).jobs.length, 1);
      assert.equal(list.stderr, '', `${mode}: nothing on stderr (pg's warning about sslmode=require included)`);
    }
    const audit = await cli(['audit', 'verify', '--json'], cluster.url(database));
    assert.equal(audit.code, 0, audit.stderr);
  });

  it('a command exits as soon as it is done: no connection or timer keeps the process alive', async () => {
    const started = performance.now();
    const list = await cli(['job', 'list', '--json'], cluster.url(database));
    const seconds = (performance.now() - started) / 1000;
    assert.equal(list.code, 0, list.stderr);
    // the store bounds its closing at 5 s; that bound once held every pool command for the whole 5 s
    assert.ok(seconds < 4, `job list took ${seconds.toFixed(1)} s`);
  });

  it('each refusal names its fix: no TLS, an untrusted certificate, a CA file that cannot be read; never the password', async () => {
    const elsewhere = path.join(home, 'unreadable');
    copyFileSync(cluster.caCert!, path.join(home, 'ca-copy.pem'));
    for (const [query, code, message, suggestion] of [
      ['', 'DATABASE_TLS_REQUIRED', /takes only encrypted connections from this host/, /sslmode=verify-full&sslrootcert=/],
      [
        'sslmode=verify-full',
        'DATABASE_TLS_UNTRUSTED',
        /presented a certificate this host does not trust/,
        /sslrootcert=\/path\/to\/ca\.pem/,
      ],
      [
        `sslmode=verify-full&sslrootcert=${elsewhere}/ca.pem`,
        'DATABASE_TLS_FILE',
        /cannot read .*unreadable\/ca\.pem, named in MPEGFLOW_DATABASE_URL \(ENOENT\)/,
        /sslrootcert/,
      ],
    ] as const) {
      const res = await cli(['job', 'list', '--json'], withQuery(query));
      assert.equal(res.code, 1, `${query}: ${res.stdout}${res.stderr}`);
      const { error } = parseJson<ErrorDoc>(res);
      assert.equal(error.code, code, `${query}: ${error.message}`);
      assert.match(error.message, message);
      assert.match(error.suggestion ?? '', suggestion);
      assert.ok(!`${res.stdout}${res.stderr}`.includes(PG_PASSWORD), 'the password is never shown');
    }
  });
});
