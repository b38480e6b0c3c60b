import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { listObjects } from '../../../src/core/s3/listing.ts';
import { parseJson, runCli, spawnCli, tempHome } from '../../support/cli.ts';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.ts';
import { NGINX_UNAVAILABLE, NO_SERVER_AVAILABLE, startGateway } from '../../support/gateway.ts';
import { addEndpoints, startSingleDrive, type Deployment } from '../../support/minio.ts';
import { mountTmpfs } from '../../support/tmpfs.ts';
import { watchRequests } from '../../support/wait.ts';

interface SubmitJson {
  submitted: { id: number; source: string }[];
  skipped: { source: string; jobId: number }[];
  counts: { submitted: number; skipped: number; notMedia: number };
  jobIds: string;
}

/** What was queued and skipped; notMedia (sidecars beside the media) is not what these tests count. */
const tallied = ({ submitted, skipped }: SubmitJson['counts']) => ({ submitted, skipped });

/** More sources than one insert batch (500) and than a result lists (1000). */
const SOURCES = 2_300;

describe('job submit of a large prefix (streamed listing, batched queueing)', () => {
  const { home, cleanup } = tempHome('mpegflow-submit-scale-');
  let minio: Deployment;
  const cli = (args: string[], env?: NodeJS.ProcessEnv) => runCli(args, { home, env, timeoutMs: 120_000 });
  const submit = async (env?: NodeJS.ProcessEnv) => {
    const res = await cli(
      ['job', 'submit', 'store/masters/day/', '--recursive', '--preset', 'mp4-h264', '--to', 'store/out/day/', '--json'],
      env,
    );
    assert.equal(res.code, 0, res.stdout + res.stderr);
    return parseJson<SubmitJson>(res);
  };
  const queued = async () => parseJson<{ jobs: unknown[] }>(await cli(['job', 'list', '--limit', '10000', '--json'])).jobs.length;

  before(async () => {
    minio = await startSingleDrive();
    const client = minio.client();
    await Promise.all([client.makeBucket('masters'), client.makeBucket('out')]);
    const body = Buffer.from('media');
    await Promise.all(
      Array.from({ length: 32 }, async (_, lane) => {
        for (let i = lane; i < SOURCES; i += 32) await client.putObject('masters', `day/reel-${i % 7}/clip-${i}.mov`, body, body.length);
      }),
    );
    await client.putObject('masters', 'day/notes.txt', body, body.length);
    await addEndpoints(home, { store: minio });
  });
  after(async () => {
    await minio?.stop();
    cleanup();
  });

  it('with the spool folder full, says so and queues nothing', async (t) => {
    const full = path.join(home, 'full-tmp');
    const mount = mountTmpfs(full, '64k');
    if ('skip' in mount) return t.skip(mount.skip);
    try {
      const res = await cli(['job', 'submit', 'store/masters/day/', '--recursive', '--preset', 'mp4-h264', '--to', 'store/out/day/'], {
        TMPDIR: full,
      });
      assert.equal(res.code, 1);
      assert.match(res.stderr, /no space left on the device holding .*full-tmp/);
      assert.match(res.stderr, /TMPDIR/);
      assert.equal(await queued(), 0, 'nothing queued');
    } finally {
      mount.unmount();
    }
  });

  /** A submission through a link of 16 KB/s (endpoint `slow`, routed by rule `all`), with TMPDIR a folder of its own. */
  const throughSlowLink = async (test: (scratch: { folder: string; ours: () => string[]; proxy: FaultProxy }) => Promise<void>) => {
    const proxy = await startFaultProxy({ targetPort: minio.nodes[0]!.port, bytesPerSecond: 16 * 1024 });
    const folder = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-submit-cancel-'));
    // beside Node's compile cache (bin/run.js), which is there to stay
    const ours = () => readdirSync(folder).filter((name) => name.startsWith('mpegflow-'));
    try {
      await runCli(['endpoint', 'remove', 'slow'], { home });
      const add = await runCli(['endpoint', 'add', 'slow', '--url', proxy.url, '--access-key', minio.accessKey, '--secret-key-stdin'], {
        home,
        input: minio.secretKey,
      });
      assert.equal(add.code, 0, add.stderr);
      assert.equal((await cli(['route', 'add', 'all', '--preset', 'mp4-h264', '--to', 'slow/out/{stem}/'])).code, 0);
      await test({ folder, ours, proxy });
    } finally {
      await cli(['route', 'remove', 'all']);
      await proxy.close();
      rmSync(folder, { recursive: true, force: true });
    }
  };

  it('Ctrl-C while a slow listing goes on stops it at once, queues nothing and leaves no scratch files', () =>
    throughSlowLink(async ({ folder, ours, proxy }) => {
      // the plain submission spools; the routed one also keeps the destinations it handed out
      for (const how of [
        ['--preset', 'mp4-h264', '--to', 'slow/out/day/'],
        ['--route', 'auto'],
      ]) {
        const connections = proxy.connections();
        const submit = spawnCli(['job', 'submit', 'slow/masters/day/', '--recursive', ...how], { home, env: { TMPDIR: folder } });
        for (let waited = 0; proxy.connections() === connections; waited += 50) {
          assert.ok(waited < 30_000, `no listing began: ${submit.log()}`);
          await sleep(50);
        }
        await sleep(500);
        assert.notDeepEqual(ours(), [], 'the spool is being written');
        const interrupted = performance.now();
        submit.child.kill('SIGINT');
        assert.equal(await submit.exited, 130, submit.log());
        assert.ok(performance.now() - interrupted < 5_000, 'not after the page under way (20 s at this rate)');
        assert.match(submit.log(), /the submission was cancelled: nothing was queued/);
        assert.deepEqual(ours(), [], 'spool and scratch files removed');
        assert.equal(await queued(), 0);
      }
    }));

  it('a second signal while it stops (Ctrl-C, then SIGTERM) ends it at once, and still leaves no scratch files', () =>
    throughSlowLink(async ({ folder, ours }) => {
      // routed: the spool and the scratch set of destinations handed out
      const submit = spawnCli(['job', 'submit', 'slow/masters/day/', '--recursive', '--route', 'auto'], { home, env: { TMPDIR: folder } });
      for (let waited = 0; ours().length < 2; waited += 50) {
        assert.ok(waited < 30_000, `no scratch files: ${submit.log()}`);
        await sleep(50);
      }
      // two of the same signal sent at once are one (the kernel does not queue them): an operator's Ctrl-C, then systemd's
      // stop; Node may take them in either order, and whichever comes second ends the process
      submit.child.kill('SIGINT');
      submit.child.kill('SIGTERM');
      await submit.exited;
      assert.ok(
        ['SIGINT', 'SIGTERM'].includes(submit.child.signalCode!),
        `ended by the second signal, not stopped gracefully: ${submit.log()}`,
      );
      assert.deepEqual(ours(), [], 'spool and scratch files removed');
      assert.equal(await queued(), 0);
    }));

  it('queues one job per media object, lists the first 1000 and counts all; a re-run queues nothing', async () => {
    const first = await submit();
    assert.deepEqual(tallied(first.counts), { submitted: SOURCES, skipped: 0 });
    assert.equal(first.submitted.length, 1000);
    assert.equal(first.jobIds, `1-${SOURCES}`);
    assert.equal(new Set(first.submitted.map((j) => j.source)).size, 1000);
    assert.equal(await queued(), SOURCES);

    const again = await submit();
    assert.deepEqual(
      [tallied(again.counts), again.submitted.length, again.skipped.length, again.jobIds],
      [{ submitted: 0, skipped: SOURCES }, 0, 1000, ''],
    );
    const human = await cli(['job', 'submit', 'store/masters/day/', '--recursive', '--preset', 'mp4-h264', '--to', 'store/out/day/']);
    assert.match(human.stdout, new RegExp(`0 jobs queued, ${SOURCES} skipped`));

    await minio.client().putObject('masters', 'day/reel-1/late.mov', Buffer.from('late'), 4);
    const late = await submit();
    assert.deepEqual(
      [tallied(late.counts), late.submitted.map((j) => j.source)],
      [{ submitted: 1, skipped: SOURCES }, ['store/masters/day/reel-1/late.mov']],
    );

    const audit = parseJson<{ entries: { detail: Record<string, unknown> }[] }>(
      await cli(['audit', 'list', '--command', 'job submit', '--limit', '1', '--json']),
    );
    const { cwd, ...detail } = audit.entries[0]!.detail as { cwd: string };
    assert.deepEqual(
      detail,
      { submitted: 1, jobIds: String(SOURCES + 1), skipped: SOURCES, notMedia: 1 },
      'the sidecar beside the media is counted as left out',
    );
    assert.ok(path.isAbsolute(cwd), 'the entry says where the command ran');
  });

  it('shows the first 50 jobs and sums up the rest', async () => {
    const res = await cli(['job', 'submit', 'store/masters/day/', '--recursive', '--preset', 'thumbnails', '--to', 'store/out/thumbs/']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`… and ${SOURCES + 1 - 50} more: jobs ${SOURCES + 2}-${2 * SOURCES + 2}`));
    assert.match(res.stdout, new RegExp(`${SOURCES + 1} jobs queued, 0 skipped`));
  });

  it('lists at most two pages ahead of a consumer slower than the store, so memory does not grow with the prefix', async () => {
    const requests = watchRequests((path) => path.includes('list-type=2'));
    try {
      let seen = 0;
      for await (const _ of listObjects(minio.client(), 'masters', 'day/', { pageSize: 100 })) {
        if (++seen === 1) {
          await requests.settledAt(3);
          assert.equal(requests.asked.length, 3, 'the page being read and two more, not the whole prefix');
        }
      }
      assert.ok(seen > SOURCES, `${seen} objects listed`);
      assert.equal(requests.asked.length, Math.ceil(seen / 100), 'then every page, once');
    } finally {
      requests.stop();
    }
  });

  describe('behind a load balancer', () => {
    const behind = tempHome('mpegflow-submit-gateway-');
    const submitVia = async (answer: Parameters<typeof startGateway>[1]) => {
      const gateway = await startGateway(minio.nodes[0]!.port, answer);
      try {
        await runCli(['endpoint', 'remove', 'lb'], { home: behind.home });
        const add = await runCli(['endpoint', 'add', 'lb', '--url', gateway.url, '--access-key', minio.accessKey, '--secret-key-stdin'], {
          home: behind.home,
          input: minio.secretKey,
        });
        assert.equal(add.code, 0, add.stderr);
        const started = performance.now();
        const res = await runCli(
          ['job', 'submit', 'lb/masters/day/', '--recursive', '--preset', 'mp4-h264', '--to', 'lb/out/day/', '--json'],
          {
            home: behind.home,
            timeoutMs: 120_000,
          },
        );
        return { res, seconds: (performance.now() - started) / 1000 };
      } finally {
        await gateway.stop();
      }
    };
    const queuedBehind = async () =>
      parseJson<{ jobs: unknown[] }>(await runCli(['job', 'list', '--limit', '10000', '--json'], { home: behind.home })).jobs.length;
    after(() => behind.cleanup());

    it('asks a page again when the balancer answers 503 with its own HTML page, and queues every object once', async () => {
      const refused: string[] = [];
      const { res } = await submitVia((request) => {
        // the first page, and the second twice: a node restarting behind it
        const page = request.url?.includes('continuation-token') ? 'next' : 'first';
        if (!request.url?.includes('list-type=2') || refused.filter((p) => p === page).length >= (page === 'first' ? 1 : 2))
          return undefined;
        refused.push(page);
        return NO_SERVER_AVAILABLE;
      });
      assert.equal(res.code, 0, res.stdout + res.stderr);
      assert.deepEqual(refused, ['first', 'next', 'next']);
      // every media object under the prefix, once
      let media = 0;
      for await (const object of listObjects(minio.client(), 'masters', 'day/')) if (object.name.endsWith('.mov')) media++;
      const doc = parseJson<SubmitJson>(res);
      assert.deepEqual(tallied(doc.counts), { submitted: media, skipped: 0 });
      assert.equal(await queuedBehind(), media);
    });

    it('a balancer that keeps answering 503 is said to be busy, after a few tries, and nothing is queued', async () => {
      const before = await queuedBehind();
      let asked = 0;
      const { res, seconds } = await submitVia((request) =>
        request.url?.includes('list-type=2') && ++asked ? NGINX_UNAVAILABLE : undefined,
      );
      assert.equal(res.code, 1, res.stdout + res.stderr);
      const { error } = parseJson<{ error: { code: string; message: string } }>(res);
      assert.equal(error.code, 'STORAGE_BUSY', error.message);
      assert.doesNotMatch(error.message, /xml|tag|entity|char/i);
      // the waits are drawn at random up to 1, 2 and 4 s (full jitter): the tries are what is certain
      assert.ok(asked >= 4, `asked ${asked} times`);
      assert.ok(seconds < 60, `gave up in ${seconds.toFixed(1)} s`);
      assert.equal(await queuedBehind(), before);
    });

    it('a web page answered with 200 where the listing should be is not an S3 server', async () => {
      const { res } = await submitVia((request) =>
        request.url?.includes('list-type=2')
          ? { status: 200, contentType: 'text/html', body: '<!DOCTYPE html><html><body>Console &copy; 2026</body></html>' }
          : undefined,
      );
      assert.equal(res.code, 1, res.stdout + res.stderr);
      assert.equal(parseJson<{ error: { code: string } }>(res).error.code, 'NOT_S3');
    });
  });
});

describe('listing keys XML cannot carry as they are', () => {
  let minio: Deployment;
  // multi-byte characters (some of four bytes) across chunk and page boundaries, and characters a URL or XML escapes
  const names = Array.from({ length: 300 }, (_, i) => `odd/ünïcødé 🎬 ${'ø'.repeat(i % 40)} ${i} a+b%20&<>'"#?.mov`);

  before(async () => {
    minio = await startSingleDrive();
    const client = minio.client();
    await client.makeBucket('masters');
    const body = Buffer.from('media');
    await Promise.all(names.map((name) => client.putObject('masters', name, body, body.length)));
  });
  after(async () => {
    await minio?.stop();
  });

  it('gives back every key exactly as it was written, page after page', async () => {
    const listed: string[] = [];
    for await (const object of listObjects(minio.client(), 'masters', 'odd/', { pageSize: 70 })) listed.push(object.name);
    assert.deepEqual(listed.toSorted(), names.toSorted());
  });
});
