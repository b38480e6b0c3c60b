import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { parseJson, runCli, spawnCli, tempHome, transcript } from '../../support/cli.ts';
import { makeVideo } from '../../support/media.ts';
import { incompleteUploads, startSingleDrive, type Deployment } from '../../support/minio.ts';
import { PG_PASSWORD, PostgresCluster } from '../../support/postgres.ts';
import { ageHeartbeats, expireLease } from '../../support/store-clock.ts';
import { until } from '../../support/wait.ts';
import type { JobDetail } from '../../../src/core/jobs/model.ts';

/**
 * An encoder pool for real: three hosts (each its own MPEGFLOW_HOME and host
 * name) sharing one PostgreSQL database and one MinIO.
 */
describe('encoder pool on PostgreSQL (three hosts, real MinIO and ffmpeg)', () => {
  const scratch = tempHome('mpegflow-pool-');
  const homes = ['h1', 'h2', 'h3'].map((h) => ({ name: h, ...tempHome(`mpegflow-pool-${h}-`) }));
  let cluster: PostgresCluster;
  let minio: Deployment;
  let url: string;
  const env = (host: string, over: Record<string, string> = {}) => ({ MPEGFLOW_DATABASE_URL: url, MPEGFLOW_HOST_NAME: host, ...over });
  const on = (host: 'h1' | 'h2' | 'h3', args: string[], input?: string) =>
    runCli(args, { home: homes.find((h) => h.name === host)!.home, env: env(host), input, timeoutMs: 300_000 });
  const job = async (id: number) => parseJson<JobDetail>(await on('h1', ['job', 'show', String(id), '--json']));
  const sql = async <T extends pg.QueryResultRow>(text: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<T>(text)).rows;
    } finally {
      await client.end();
    }
  };
  const spawnWorker = (host: string, args: string[]) =>
    spawnCli(['worker', ...args], { home: homes.find((h) => h.name === host)!.home, env: env(host) });

  before(async () => {
    [cluster, minio] = await Promise.all([PostgresCluster.start(), startSingleDrive()]);
    url = await cluster.createDatabase('pool');
    const client = minio.client();
    await Promise.all([client.makeBucket('masters'), client.makeBucket('out')]);
    for (let i = 0; i < 6; i++) {
      const file = makeVideo(path.join(scratch.home, `clip${i}.mp4`), { width: 320, height: 240, seconds: 2 });
      await client.fPutObject('masters', `batch/clip${i}.mp4`, file);
    }
    await client.fPutObject(
      'masters',
      'long/long.mp4',
      makeVideo(path.join(scratch.home, 'long.mp4'), { width: 640, height: 360, seconds: 14 }),
    );
  });
  after(async () => {
    await Promise.all([minio?.stop(), cluster?.stop()]);
    for (const h of [scratch, ...homes]) h.cleanup();
  });

  it('an endpoint added on one host keeps its secret on that host; the shared database holds none', async () => {
    const add = await on(
      'h1',
      ['endpoint', 'add', 'store', '--url', minio.url, '--access-key', minio.accessKey, '--secret-key-stdin'],
      minio.secretKey,
    );
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /stored on this host only/);
    const rows = await sql<{ secret_kind: string; secret_key: string | null }>('SELECT secret_kind, secret_key FROM endpoints');
    assert.deepEqual(rows, [{ secret_kind: 'host', secret_key: null }]);
    const file = path.join(homes[0]!.home, 'endpoint-secrets.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).store, minio.secretKey);
    // h2 sees the endpoint but cannot use it until it has its own copy of the secret
    const list = parseJson<{ endpoints: { name: string }[] }>(await on('h2', ['endpoint', 'list', '--json']));
    assert.deepEqual(
      list.endpoints.map((e) => e.name),
      ['store'],
    );
    const without = await on('h2', ['endpoint', 'test', 'store', '--json']);
    assert.notEqual(without.code, 0);
    assert.equal(parseJson<{ error: { code: string } }>(without).error.code, 'SECRET_NOT_ON_HOST');
    const add2 = await on(
      'h2',
      ['endpoint', 'add', 'store', '--replace', '--url', minio.url, '--access-key', minio.accessKey, '--secret-key-stdin'],
      minio.secretKey,
    );
    assert.equal(add2.code, 0, add2.stderr);
  });

  it('a host without the secret leaves the jobs to others and job show says why; two hosts share the queue, each job done once', async () => {
    const submit = await on('h1', [
      'job',
      'submit',
      'store/masters/batch/',
      '--recursive',
      '--preset',
      'proxy',
      '--to',
      'store/out/batch/',
      '--json',
    ]);
    assert.equal(submit.code, 0, submit.stderr);
    const ids = parseJson<{ submitted: { id: number }[] }>(submit).submitted.map((j) => j.id);
    assert.equal(ids.length, 6);

    const idle = await on('h3', ['worker', '--drain', '--json']);
    assert.equal(idle.code, 0, idle.stderr);
    assert.deepEqual(parseJson<{ jobs: unknown[] }>(idle).jobs, [], 'h3 holds no secret for store');
    assert.match((await job(ids[0]!)).waiting ?? '', /no worker is running/);
    const waiting = spawnWorker('h3', ['--poll-seconds', '1']);
    let reason = '';
    for (const until = Date.now() + 30_000; Date.now() < until && !/secret key of endpoint/.test(reason); await sleep(250)) {
      reason = (await job(ids[0]!)).waiting ?? '';
    }
    assert.match(reason, /none holds the secret key of endpoint 'store'.*live workers on h3/);
    waiting.child.kill('SIGTERM');
    assert.equal(await waiting.exited, 0, waiting.log());

    const [a, b] = await Promise.all([on('h1', ['worker', '--drain', '--json']), on('h2', ['worker', '--drain', '--json'])]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const ran = [...parseJson<{ jobs: { id: number }[] }>(a).jobs, ...parseJson<{ jobs: { id: number }[] }>(b).jobs].map((j) => j.id);
    assert.deepEqual(
      [...ran].sort((x, y) => x - y),
      ids,
      'every job ran exactly once across the two hosts',
    );
    const views = await Promise.all(ids.map(job));
    assert.ok(views.every((v) => v.state === 'done'));
    assert.ok(views.every((v) => v.lastHost === 'h1' || v.lastHost === 'h2'));
    const done = await sql<{ started_at: string; finished_at: string }>(
      "SELECT started_at, finished_at FROM job_attempts WHERE outcome = 'done' ORDER BY started_at",
    );
    assert.equal(done.length, 6);
    for (let i = 1; i < done.length; i++) {
      assert.ok(done[i]!.started_at >= done[i - 1]!.finished_at, 'community mode licenses one encode at a time across the whole pool');
    }

    const workers = parseJson<{ workers: { host: string; status: string; jobsDone: number }[] }>(
      await on('h1', ['worker', 'list', '--json']),
    ).workers;
    assert.deepEqual(new Set(workers.map((w) => w.host)), new Set(['h1', 'h2', 'h3']));
    assert.equal(
      workers.filter((w) => w.host !== 'h3').reduce((n, w) => n + w.jobsDone, 0),
      6,
    );
    const status = parseJson<{ backend: string; location: string; hosts: { host: string }[]; queue: { done: number } }>(
      await on('h3', ['db', 'status', '--json']),
    );
    assert.equal(status.backend, 'postgres');
    assert.doesNotMatch(status.location, new RegExp(PG_PASSWORD));
    assert.equal(status.queue.done, 6);
    const verify = await on('h2', ['audit', 'verify', '--json']);
    assert.equal(verify.code, 0, verify.stdout);
    const actors = parseJson<{ entries: { actor: string }[] }>(await on('h1', ['audit', 'list', '--json'])).entries.map((e) => e.actor);
    assert.ok(
      ['h1', 'h2', 'h3'].every((h) => actors.some((a) => a.endsWith(`@${h}`))),
      'each entry names its host',
    );
  });

  it('fencing: a worker paused past its lease (SIGSTOP) cannot publish after another host finished the job', async () => {
    const submit = await on('h1', [
      'job',
      'submit',
      'store/masters/long/long.mp4',
      '--preset',
      'hls-h264',
      '--to',
      'store/out/long/',
      '--json',
    ]);
    const id = parseJson<{ submitted: { id: number }[] }>(submit).submitted[0]!.id;
    const stalled = spawnWorker('h1', ['--drain', '--lease-seconds', '3']);
    const deadline = Date.now() + 120_000;
    const uploading = /stored [1-9]\d* objects?|sent \(uploading: [^/]+\/seg_/;
    while (!uploading.test(stalled.log()) && Date.now() < deadline) await sleep(100);
    assert.match(stalled.log(), uploading, 'h1 was uploading segments into its staging area');
    stalled.child.kill('SIGSTOP');
    try {
      // paused past its 3 s lease, and beats missed: the store's clock moved on for it rather than waited out
      assert.ok((await expireLease({ databaseUrl: url }, id)) <= 3000, 'the lease is the 3 s asked for');
      await ageHeartbeats({ databaseUrl: url }, 'h1', 3500);
      const seen = parseJson<{ workers: { host: string; status: string; running: unknown[] }[] }>(
        await on('h3', ['worker', 'list', '--dead-after', '2', '--json']),
      ).workers.find((w) => w.host === 'h1' && w.status !== 'stopped');
      assert.equal(seen?.status, 'dead', 'a paused worker stops beating and shows as dead');
      const takeover = await on('h2', ['worker', '--drain', '--lease-seconds', '3']);
      assert.equal(takeover.code, 0, takeover.stderr);
      assert.equal((await job(id)).state, 'done');
    } finally {
      stalled.child.kill('SIGCONT');
    }
    assert.equal(await stalled.exited, 0, stalled.log());
    assert.match(stalled.log(), /another worker took it over; its outputs were discarded/);
    const view = await job(id);
    assert.equal(view.state, 'done');
    assert.deepEqual(
      view.attemptsLog.map((a) => [a.outcome, a.host, a.generation]),
      [
        ['lost', 'h1', 1],
        ['done', 'h2', 2],
      ],
    );
    const client = minio.client();
    const keys: string[] = [];
    for await (const o of client.listObjectsV2('out', '', true) as AsyncIterable<{ name: string }>) keys.push(o.name);
    assert.deepEqual(
      keys.filter((k) => k.startsWith('.mpegflow-staging/')),
      [],
      'no staged outputs of either attempt are left',
    );
    assert.equal(keys.filter((k) => k === 'long/manifest.json').length, 1);
    assert.deepEqual(await incompleteUploads(client, 'out'), []);
    const verify = await on('h3', ['verify', 'store/out/long/']);
    assert.notEqual(verify.code, 0, 'h3 has no secret for store');
    const fixity = await on('h1', ['verify', 'store/out/long/']);
    assert.equal(fixity.code, 0, `one consistent set of outputs: ${fixity.stdout}${fixity.stderr}`);
  });

  it('the database stopped mid-encode: the encode goes on, the worker reconnects, the job ends done once', async () => {
    const submit = await on('h2', [
      'job',
      'submit',
      'store/masters/long/long.mp4',
      '--preset',
      'proxy',
      '--to',
      'store/out/db-down/',
      '--json',
    ]);
    const id = parseJson<{ submitted: { id: number }[] }>(submit).submitted[0]!.id;
    // heartbeats every 3 s: several fail while the database is down, and the 12 s lease outlives the outage
    const worker = spawnWorker('h2', ['--drain', '--lease-seconds', '12']);
    const deadline = Date.now() + 60_000;
    while (!/encode: started/.test(worker.log()) && Date.now() < deadline) await sleep(100);
    cluster.stopServer();
    await until('the worker to say the store is unreachable', () => /state store is unreachable/.test(worker.log()));
    // Then one heartbeat more (3 s: the lease / 4), so that beats fail after the one told of. This is a
    // real process against a real server stopped: its heartbeat cannot be injected, nor shortened
    // without a lease shorter than the outage.
    // eslint-disable-next-line no-restricted-syntax -- a heartbeat of the spawned worker, see above
    await sleep(3_000);
    cluster.startServer();
    assert.equal(await worker.exited, 0, worker.log());
    assert.equal(worker.log().match(/state store is unreachable/g)?.length, 1, `told once, not at every heartbeat: ${worker.log()}`);
    assert.match(worker.log(), /state store answers again \(after \d+ s\)/);
    const view = await job(id);
    assert.equal(view.state, 'done');
    assert.equal(view.attemptsLog.length, 1);
    assert.equal((await on('h1', ['audit', 'verify'])).code, 0);
  });

  it('bad database settings: a wrong password, an unreachable server, a schema older or newer than this version', async () => {
    const home = homes[2]!.home;
    const wrong = await runCli(['job', 'list'], { home, env: { MPEGFLOW_DATABASE_URL: cluster.url('pool', 'not-the-password') } });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /refused the credentials/);
    assert.doesNotMatch(wrong.stderr, /not-the-password/);
    const closed = await runCli(['job', 'list'], { home, env: { MPEGFLOW_DATABASE_URL: 'postgres://mpegflow:x@127.0.0.1:1/pool' } });
    assert.equal(closed.code, 1);
    assert.match(closed.stderr, /cannot reach PostgreSQL/);
    const noTls = await runCli(['job', 'list', '--json'], {
      home,
      env: { MPEGFLOW_DATABASE_URL: `${cluster.url('pool')}?sslmode=verify-full` },
    });
    assert.equal(noTls.code, 1);
    assert.equal(parseJson<{ error: { code: string } }>(noTls).error.code, 'DATABASE_TLS_UNAVAILABLE', noTls.stdout);

    const before = await sql<{ n: string }>('SELECT COUNT(*) AS n FROM audit_log');
    await sql("INSERT INTO schema_migrations (area, version, description, applied_at) VALUES ('jobs', 99, 'from the future', 'x')");
    const newer = await on('h1', ['job', 'submit', 'store/masters/batch/clip0.mp4', '--preset', 'mp4-h264', '--json']);
    assert.equal(newer.code, 1);
    assert.equal(parseJson<{ error: { code: string } }>(newer).error.code, 'STATE_NEWER');
    await sql("DELETE FROM schema_migrations WHERE area = 'jobs' AND version = 99");
    // as if the database predated the newest jobs migration
    const [latest] = await sql<{ version: number; description: string; applied_at: string }>(
      "DELETE FROM schema_migrations WHERE area = 'jobs' AND version = (SELECT MAX(version) FROM schema_migrations WHERE area = 'jobs') RETURNING version, description, applied_at",
    );
    const older = await on('h1', ['job', 'list', '--json']);
    assert.equal(older.code, 1);
    assert.equal(parseJson<{ error: { code: string; suggestion: string } }>(older).error.code, 'STATE_OLDER');
    assert.equal((await on('h1', ['db', 'status'])).code, 1);
    assert.deepEqual(await sql<{ n: string }>('SELECT COUNT(*) AS n FROM audit_log'), before, 'nothing was written');
    // `db migrate` would re-run that migration on tables that have it; put the record back as it was
    await sql(
      `INSERT INTO schema_migrations (area, version, description, applied_at) VALUES ('jobs', ${latest!.version}, '${latest!.description}', '${latest!.applied_at}')`,
    );
    assert.equal((await on('h1', ['db', 'status'])).code, 0);
  });

  it("db import moves a host's SQLite state in, chain intact, secrets kept on the host, idempotently", async () => {
    const solo = tempHome('mpegflow-pool-solo-');
    try {
      const local = (args: string[], input?: string) => runCli(args, { home: solo.home, input, env: { MPEGFLOW_DATABASE_URL: '' } });
      assert.equal(
        (
          await local(
            ['endpoint', 'add', 'archive', '--url', minio.url, '--access-key', minio.accessKey, '--secret-key-stdin'],
            minio.secretKey,
          )
        ).code,
        0,
      );
      assert.equal(
        (await local(['job', 'submit', 'archive/masters/batch/clip1.mp4', '--preset', 'mp4-h264', '--to', 'archive/out/solo/'])).code,
        0,
      );
      const localEntries = parseJson<{ entries: number }>(await local(['audit', 'verify', '--json'])).entries;
      const target = await cluster.createDatabase('imported');
      const into = (args: string[]) =>
        runCli(args, { home: solo.home, env: { MPEGFLOW_DATABASE_URL: target, MPEGFLOW_HOST_NAME: 'solo' } });
      const first = await into(['db', 'import', '--json']);
      assert.equal(first.code, 0, first.stderr);
      const doc = parseJson<{
        endpoints: { imported: string[]; secretsKeptOnHost: string[] };
        jobs: { imported: number };
        audit: { imported: number };
      }>(first);
      assert.deepEqual(doc.endpoints.imported, ['archive']);
      assert.deepEqual(doc.endpoints.secretsKeptOnHost, ['archive']);
      assert.equal(doc.jobs.imported, 1);
      assert.equal(doc.audit.imported, localEntries);
      const again = parseJson<{
        endpoints: { imported: string[] };
        jobs: { imported: number };
        audit: { imported: number; alreadyThere: number };
      }>(await into(['db', 'import', '--json']));
      assert.deepEqual([again.endpoints.imported, again.jobs.imported, again.audit.imported], [[], 0, 0]);
      assert.equal(again.audit.alreadyThere, localEntries);
      const verified = parseJson<{ ok: boolean; entries: number }>(await into(['audit', 'verify', '--json']));
      assert.deepEqual(verified, { ok: true, entries: localEntries + 2 }, 'the copied chain and the two imports verify as one');
      const client = new pg.Client({ connectionString: target });
      await client.connect();
      const secrets = (await client.query('SELECT secret_key FROM endpoints')).rows;
      await client.end();
      assert.deepEqual(secrets, [{ secret_key: null }]);
      const run = await into(['worker', '--drain']);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(existsSync(path.join(solo.home, 'state.db')), 'the state file is left as it was');
    } finally {
      solo.cleanup();
    }
  });

  it('never printed a secret: MinIO secret key or database password', () => {
    const all = transcript.join('\n');
    assert.ok(all.length > 1000, 'the transcript holds what the tests printed');
    assert.ok(!all.includes(minio.secretKey));
    assert.ok(!all.includes(PG_PASSWORD));
  });
});
