import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseJson, runCli, tempHome } from '../../support/cli.ts';
import { runInProcess } from '../../support/in-process.ts';
import { makeVideo } from '../../support/media.ts';
import { mountTmpfs } from '../../support/tmpfs.ts';
import { addEndpoints, startSingleDrive, type Deployment } from '../../support/minio.ts';
import type { SubmitResult } from '../../../src/core/jobs/submit.ts';
import { listObjects } from '../../../src/core/s3/listing.ts';
import type { VerifyResult } from '../../../src/core/encode/verify/verify.ts';

/**
 * Hybrid routing with two real MinIO deployments: the on-prem store (masters,
 * an archive bucket made with Object Lock, a bucket without) and a delivery
 * store. Rules fan one source out to both; retention is set on the archive
 * outputs and read back by verify; every bad input is refused before anything
 * is created.
 */
describe('routing: route rules, fan-out submit, retention (two MinIO stores)', () => {
  const { home, cleanup } = tempHome('mpegflow-routing-');
  let onprem: Deployment;
  let delivery: Deployment;
  const cli = (args: string[]) => runInProcess(args, { home, timeoutMs: 300_000 });
  /** Encodes (ffmpeg, a process killed at a fault point) and verify run the built CLI as users do. */
  const spawned = (args: string[]) => runCli(args, { home, timeoutMs: 300_000 });
  const today = new Date().toISOString().slice(0, 10);
  const refused = async (args: string[], code: string, message: RegExp, exitCode = 1) => {
    const result = await cli([...args, '--json']);
    assert.equal(result.code, exitCode, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
    const doc = parseJson<{ error: { code: string; message: string } }>(result);
    assert.equal(doc.error.code, code, doc.error.message);
    assert.match(doc.error.message, message);
  };
  const routeNames = async () =>
    parseJson<{ routes: { name: string }[] }>(await cli(['route', 'list', '--json'])).routes.map((r) => r.name);

  before(async () => {
    [onprem, delivery] = await Promise.all([startSingleDrive(), startSingleDrive()]);
    const store = onprem.client();
    await store.makeBucket('masters');
    await store.makeBucket('archive', 'us-east-1', { ObjectLocking: true });
    await store.makeBucket('nolock');
    await delivery.client().makeBucket('vod');
    const clip = makeVideo(path.join(home, 'ep1.mp4'), { width: 320, height: 240, seconds: 2 });
    await store.fPutObject('masters', 'acme/ep1.mp4', clip, { 'x-amz-meta-mpegflow-customer': 'acme' });
    await store.setObjectTagging('masters', 'acme/ep1.mp4', { 'mpegflow-class': 'news' });
    await store.fPutObject('masters', 'other/ep2.mp4', clip);
    await addEndpoints(home, { store: onprem, delivery });
  });
  after(async () => {
    await Promise.all([onprem?.stop(), delivery?.stop()]);
    cleanup();
  });

  it('every bad rule is refused with its reason, and no rule is half-created', async () => {
    const add = (name: string, ...rest: string[]) => ['route', 'add', name, ...rest];
    await refused(add('r1', '--preset', 'mp4-h264', '--to', 'delivery/vod/../{stem}/'), 'TEMPLATE_INVALID', /"\." or "\.\." segments/);
    await refused(
      add('r2', '--preset', 'mp4-h264', '--to', 'delivery/vod/{client}/{stem}/'),
      'TEMPLATE_INVALID',
      /\{client\} is not a placeholder/,
    );
    await refused(add('r3', '--preset', 'mp4-h264', '--to', 'cdn/vod/{stem}/'), 'ENDPOINT_NOT_FOUND', /endpoint 'cdn'/);
    await refused(
      add('r4', '--match', 'source=edge9/in/', '--preset', 'mp4-h264', '--to', 'delivery/vod/{stem}/'),
      'ENDPOINT_NOT_FOUND',
      /edge9/,
    );
    await refused(add('r5', '--preset', 'no-such-preset', '--to', 'delivery/vod/{stem}/'), 'PRESET_NOT_FOUND', /no-such-preset/, 2);
    await refused(
      add('r6', '--preset', 'archive-ffv1', '--to', 'store/nolock/{stem}/', '--retain', '7y'),
      'OBJECT_LOCK_MISSING',
      /store\/nolock has no Object Lock/,
    );
    await refused(
      add('r7', '--preset', 'archive-ffv1', '--to', 'store/archive/{stem}/', '--retain', 'seven years'),
      'DURATION_INVALID',
      /seven years/,
    );
    assert.equal(
      (await cli(add('base', '--match', 'customer=acme', '--preset', 'mp4-h264', '--to', 'delivery/vod/{customer}/{stem}/'))).code,
      0,
    );
    await refused(
      add('r8', '--match', 'class=news', '--preset', 'mp4-h264', '--to', 'delivery/vod/{class}/{stem}/'),
      'ROUTE_OVERLAP',
      /'r8'.*'base'.*same priority 0/,
    );
    assert.deepEqual(await routeNames(), ['base']);
    const audit = parseJson<{ entries: { command: string; outcome: string }[] }>(
      await cli(['audit', 'list', '--command', 'route', '--json']),
    );
    assert.equal(audit.entries.filter((e) => e.outcome === 'failure').length, 8, 'each refusal is audited as a failure');
    assert.equal((await cli(['route', 'remove', 'base'])).code, 0);
  });

  it('route add, list, show; route test explains the winner, the losers and the exact destinations, changing nothing', async () => {
    const fanOut = await cli([
      'route', 'add', 'acme-news', '--match', 'customer=acme,class=news',
      '--preset', 'mp4-h264', '--to', 'delivery/vod/{customer}/{stem}/',
      '--preset', 'archive-ffv1', '--to', 'store/archive/{customer}/{date}/{stem}/',
      '--retain', '1d', '--legal-hold', '--json',
    ]); // prettier-ignore
    assert.equal(fanOut.code, 0, fanOut.stderr);
    assert.deepEqual(
      parseJson<{ targets: { preset: string; retained: boolean }[] }>(fanOut).targets.map((t) => [t.preset, t.retained]),
      [
        ['mp4-h264', false],
        ['archive-ffv1', true],
      ],
    );
    assert.equal(
      (
        await cli([
          'route',
          'add',
          'acme',
          '--match',
          'customer=acme',
          '--preset',
          'mp4-h264',
          '--to',
          'delivery/vod/{customer}/other/{stem}/',
        ])
      ).code,
      0,
    );
    assert.equal(
      (await cli(['route', 'add', 'globex', '--match', 'customer=globex', '--preset', 'proxy', '--to', 'delivery/vod/globex/{stem}/']))
        .code,
      0,
    );
    assert.equal(
      (
        await cli([
          'route',
          'add',
          'masters',
          '--match',
          'source=store/masters/other',
          '--priority',
          '5',
          '--preset',
          'proxy',
          '--to',
          'delivery/vod/{stem}/',
        ])
      ).code,
      0,
    );
    assert.deepEqual(await routeNames(), ['masters', 'acme-news', 'acme', 'globex'], 'precedence order');
    const show = await cli(['route', 'show', 'acme-news']);
    assert.match(show.stdout, /archive-ffv1 -> store\/archive\/\{customer\}\/\{date\}\/\{stem\}\/ +\[1d governance \+ legal hold\]/);

    const test = await cli(['route', 'test', 'store/masters/acme/ep1.mp4', '--json']);
    assert.equal(test.code, 0, test.stderr);
    const explained = parseJson<{
      route: string;
      facts: { customer: string; class: string; origin: Record<string, string> };
      destinations: { preset: string; destination: string; retention: unknown }[];
      rules: { name: string; matches: boolean; reasons: string[] }[];
    }>(test);
    assert.equal(explained.route, 'acme-news');
    assert.deepEqual(explained.facts.origin, { customer: 'metadata', class: 'tag' });
    assert.deepEqual(explained.destinations, [
      { preset: 'mp4-h264', destination: 'delivery/vod/acme/ep1/', retention: null },
      {
        preset: 'archive-ffv1',
        destination: `store/archive/acme/${today}/ep1/`,
        retention: { retain: '1d', mode: 'governance', legalHold: true },
      },
    ]);
    const why = Object.fromEntries(explained.rules.map((r) => [r.name, r.reasons.join('; ')]));
    assert.match(why.masters!, /sources under store\/masters\/other\/, not store\/masters\/acme\/ep1\.mp4/);
    assert.match(why.acme!, /'acme-news' is more specific/);
    assert.match(why.globex!, /needs customer 'globex', the source's is 'acme'/);
    const human = await cli(['route', 'test', 'store/masters/acme/ep1.mp4', '--class', 'sport']);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /Customer +acme \(from metadata\)\nClass +sport \(from flag\)/);
    assert.match(human.stdout, /Route 'acme' applies\./);
    assert.match(
      human.stdout,
      /acme-news \[priority 0; customer=acme,class=news\]: no match\n +it needs class 'news', the source's is 'sport'/,
    );
    const none = await cli(['route', 'test', 'store/masters/nobody.mp4', '--customer', 'initech']);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /no such object yet/);
    assert.match(none.stdout, /No route applies/);
    assert.deepEqual(parseJson<{ jobs: unknown[] }>(await cli(['job', 'list', '--json'])).jobs, [], 'route test queues nothing');
  });

  it('job submit --route auto fans one source out to both stores; no rule is a refusal naming the closest rules', async () => {
    const none = await cli([
      'job',
      'submit',
      'store/masters/acme/ep1.mp4',
      'store/masters/other/ep2.mp4',
      '--route',
      'auto',
      '--customer',
      'initech',
      '--json',
    ]);
    // ep2 is under masters/other (priority 5) but ep1 has no rule for initech: nothing at all is queued
    assert.equal(none.code, 1);
    const error = parseJson<{ error: { code: string; message: string } }>(none).error;
    assert.equal(error.code, 'NO_ROUTE');
    assert.match(
      error.message,
      /no route matches store\/masters\/acme\/ep1\.mp4 \(customer initech, class news\); closest: 'acme-news' \(customer=acme,class=news\): it needs customer 'acme', the source's is 'initech' \| 'masters'/,
    );
    assert.deepEqual(parseJson<{ jobs: unknown[] }>(await cli(['job', 'list', '--json'])).jobs, []);

    const submit = await cli(['job', 'submit', 'store/masters/acme/ep1.mp4', '--route', 'auto', '--json']);
    assert.equal(submit.code, 0, submit.stderr);
    const { submitted } = parseJson<SubmitResult>(submit);
    assert.deepEqual(
      submitted.map((j) => [j.preset, j.destination, j.customer, j.class, j.route, j.needs]),
      [
        ['mp4-h264', 'delivery/vod/acme/ep1/', 'acme', 'news', 'acme-news', ['endpoint:delivery', 'endpoint:store']],
        ['archive-ffv1', `store/archive/acme/${today}/ep1/`, 'acme', 'news', 'acme-news', ['endpoint:store']],
      ],
    );
    const other = await cli(['job', 'submit', 'store/masters/other/ep2.mp4', '--route', 'auto', '--customer', 'globex', '--json']);
    assert.deepEqual(
      parseJson<SubmitResult>(other).submitted.map((j) => [j.route, j.customer]),
      [['masters', 'globex']],
    );
    const listed = parseJson<{ jobs: { id: number }[] }>(
      await cli(['job', 'list', '--customer', 'acme', '--class', 'news', '--json']),
    ).jobs;
    assert.deepEqual(listed.map((j) => j.id).sort(), submitted.map((j) => j.id).sort());
    assert.equal(parseJson<{ jobs: unknown[] }>(await cli(['job', 'list', '--customer', 'globex', '--json'])).jobs.length, 1);

    const worker = await cli(['worker', '--drain']);
    assert.equal(worker.code, 0, worker.stderr);
    for (const job of submitted)
      assert.equal(parseJson<{ state: string }>(await cli(['job', 'show', String(job.id), '--json'])).state, 'done');

    const archived = await cli(['verify', `store/archive/acme/${today}/ep1/`, '--json']);
    assert.equal(archived.code, 0, archived.stdout);
    const retention = parseJson<VerifyResult>(archived).retention!;
    assert.equal(retention.objectLock, true);
    assert.ok(retention.objects.length >= 3, 'outputs and the manifest');
    const dayAhead = Date.now() + 86_400_000;
    for (const o of retention.objects) {
      assert.equal(o.mode, 'governance', o.name);
      assert.equal(o.legalHold, true, o.name);
      assert.ok(Math.abs(new Date(o.retainUntil!).getTime() - dayAhead) < 15 * 60_000, `${o.name}: ${o.retainUntil}`);
    }
    assert.match(
      (await cli(['verify', `store/archive/acme/${today}/ep1/`])).stdout,
      /Retention: \d+ of \d+ objects governance until .*, legal hold on/,
    );
    const delivered = parseJson<VerifyResult>(await cli(['verify', 'delivery/vod/acme/ep1/', '--json'])).retention;
    assert.deepEqual(delivered, { objectLock: false, objects: [] });
  });

  it('a routed prefix reads customer and class from the listing (metadata, tags) as a HEAD would', async () => {
    const store = onprem.client();
    const body = Buffer.from('x');
    await store.putObject('masters', 'bulk/by-metadata.mp4', body, 1, {
      'x-amz-meta-mpegflow-customer': 'acme',
      'x-amz-meta-mpegflow-class': 'news',
    });
    await store.putObject('masters', 'bulk/by-tags.mp4', body, 1);
    await store.setObjectTagging('masters', 'bulk/by-tags.mp4', { 'mpegflow-customer': 'acme', 'mpegflow-class': 'news' });
    await store.putObject('masters', 'bulk/mixed.mp4', body, 1, { 'x-amz-meta-mpegflow-class': 'news' });
    await store.setObjectTagging('masters', 'bulk/mixed.mp4', { 'mpegflow-customer': 'acme', 'mpegflow-class': 'sport' });
    const listed = [];
    for await (const o of listObjects(store, 'masters', 'bulk/', { metadata: true }))
      listed.push([o.name, o.metadata?.['X-Amz-Meta-Mpegflow-Customer'], o.tags]);
    assert.deepEqual(
      listed,
      [
        ['bulk/by-metadata.mp4', 'acme', {}],
        ['bulk/by-tags.mp4', undefined, { 'mpegflow-customer': 'acme', 'mpegflow-class': 'news' }],
        ['bulk/mixed.mp4', undefined, { 'mpegflow-customer': 'acme', 'mpegflow-class': 'sport' }],
      ],
      'MinIO lists metadata and tags: routing makes no request per object',
    );
    const submit = await cli(['job', 'submit', 'store/masters/bulk/', '--recursive', '--route', 'auto', '--json']);
    assert.equal(submit.code, 0, submit.stdout + submit.stderr);
    assert.deepEqual(
      parseJson<SubmitResult>(submit).submitted.map((j) => [j.source, j.route, j.customer, j.class, j.destination]),
      ['by-metadata', 'by-tags', 'mixed'].flatMap((stem) => [
        [`store/masters/bulk/${stem}.mp4`, 'acme-news', 'acme', 'news', `delivery/vod/acme/${stem}/`],
        [`store/masters/bulk/${stem}.mp4`, 'acme-news', 'acme', 'news', `store/archive/acme/${today}/${stem}/`],
      ]),
      'metadata comes before tags',
    );
  });

  it('two sources routed into one folder are refused before anything is queued; a full TMPDIR is named, not a crash', async () => {
    const store = onprem.client();
    for (const name of ['flat/a.mp4', 'flat/b.mp4']) await store.putObject('masters', name, Buffer.from('x'), 1);
    const jobs = async () => parseJson<{ jobs: unknown[] }>(await cli(['job', 'list', '--limit', '1000', '--json'])).jobs.length;
    const queued = await jobs();
    assert.equal(
      (await cli(['route', 'add', 'flat', '--match', 'customer=flat', '--preset', 'proxy', '--to', 'delivery/vod/flat/'])).code,
      0,
    );
    await refused(
      ['job', 'submit', 'store/masters/flat/', '--recursive', '--route', 'flat'],
      'DESTINATION_COLLISION',
      /store\/masters\/flat\/b\.mp4 \(proxy\) would write into delivery\/vod\/flat\/, where an earlier source of this submission writes too/,
    );
    assert.equal(await jobs(), queued);

    const full = path.join(home, 'full-tmp');
    const mount = mountTmpfs(full, '16k');
    if ('skip' in mount) return;
    try {
      writeFileSync(path.join(full, 'filler'), Buffer.alloc(16 * 1024));
      const result = await runInProcess(['job', 'submit', 'store/masters/flat/', '--recursive', '--route', 'flat', '--json'], {
        home,
        env: { TMPDIR: full },
      });
      assert.equal(result.code, 1, result.stdout + result.stderr);
      const error = parseJson<{ error: { code: string; message: string } }>(result).error;
      assert.equal(error.code, 'SPOOL_DISK_FULL');
      assert.match(error.message, /no space left on the device holding .*full-tmp/);
      assert.deepEqual(
        readdirSync(full).filter((name) => name.startsWith('mpegflow-')),
        [],
        'no scratch file left behind',
      );
    } finally {
      mount.unmount();
    }
    assert.equal(await jobs(), queued);
    assert.equal((await cli(['route', 'remove', 'flat'])).code, 0);
  });

  it('encode --retain killed between its outputs and its manifest publishes nothing unlocked, with or without --force', async () => {
    const client = onprem.client();
    const args = ['encode', 'store/masters/acme/ep1.mp4', '--preset', 'mp4-h264', '--to', 'store/archive/crash/', '--retain', '1d'];
    const manifestThere = () =>
      client.statObject('archive', 'crash/manifest.json').then(
        () => true,
        () => false,
      );
    const lockedUntil = async (key: string) => (await client.getObjectRetention('archive', key))?.retainUntilDate;
    for (const force of [[], ['--force']]) {
      const killed = await runCli([...args, ...force], { home, env: { MPEGFLOW_FAULT: 'before-manifest' }, timeoutMs: 300_000 });
      assert.notEqual(killed.code, 0, 'killed at the fault point');
      assert.equal(await manifestThere(), false, `${force.join(' ')}: no manifest, so nothing is published`);
      assert.ok(await lockedUntil('crash/video.mp4'), 'the output was locked before the manifest would have been written');
      const done = await spawned([...args, ...force, '--json']);
      assert.equal(done.code, 0, done.stdout + done.stderr);
      assert.ok(await lockedUntil('crash/manifest.json'), 'the manifest, once written, is locked');
    }
  });

  it('encode --retain sets compliance retention after storing; a bucket without Object Lock or a bad period is refused before any encode', async () => {
    await refused(
      ['encode', 'store/masters/acme/ep1.mp4', '--preset', 'mp4-h264', '--to', 'store/nolock/direct/', '--retain', '1d'],
      'OBJECT_LOCK_MISSING',
      /no Object Lock/,
    );
    const leftovers: string[] = [];
    for await (const o of onprem.client().listObjectsV2('nolock', '', true) as AsyncIterable<{ name: string }>) leftovers.push(o.name);
    assert.deepEqual(leftovers, [], 'nothing was encoded or uploaded');
    await refused(
      ['encode', 'store/masters/acme/ep1.mp4', '--preset', 'mp4-h264', '--to', 'store/archive/direct/', '--retain', '6m'],
      'DURATION_INVALID',
      /ambiguous/,
    );
    const encode = await spawned([
      'encode',
      'store/masters/acme/ep1.mp4',
      '--preset',
      'mp4-h264',
      '--to',
      'store/archive/direct/',
      '--retain',
      '2d',
      '--retention-mode',
      'compliance',
      '--json',
    ]);
    assert.equal(encode.code, 0, encode.stdout + encode.stderr);
    const set = parseJson<{ retention: { mode: string; objects: number; legalHold: boolean } }>(encode).retention;
    assert.deepEqual(
      { mode: set.mode, objects: set.objects, legalHold: set.legalHold },
      { mode: 'compliance', objects: 2, legalHold: false },
    );
    const verified = parseJson<VerifyResult>(await spawned(['verify', 'store/archive/direct/', '--json'])).retention!;
    assert.deepEqual(
      verified.objects.map((o) => [o.name, o.mode, o.legalHold]),
      [
        ['video.mp4', 'compliance', false],
        ['manifest.json', 'compliance', false],
      ],
    );
    await refused(
      ['job', 'submit', 'store/masters/acme/ep1.mp4', '--route', 'acme-news', '--class', '../x'],
      'ROUTE_VALUE_INVALID',
      /refusing the class '\.\.\/x'/,
    );
  });
});
