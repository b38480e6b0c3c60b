import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { LagSample } from '../../../src/core/replication/watch.ts';
import { parseJson, runCli, spawnCli, spawnCliOnTerminal, tempHome, terminalAvailable, transcript } from '../../support/cli.ts';
import { vendorKeygen, vendorSign } from '../../support/license.ts';
import { addEndpoints, startSingleDrive, type Deployment } from '../../support/minio.ts';

interface WatchDoc {
  status: string;
  samples: LagSample[];
}

interface DeepStatusDoc {
  rules: { counts: { replicated: number; pending: number; failed: number }; objects: { oldestFailed: { key: string }[] } }[];
}

async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** One gauge of the textfile, for the rule edge1/ingest -> central/masters. */
function gauge(text: string, name: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').at(-1)) : null;
}

describe('replicate watch and resync against real MinIO (an edge, a central)', () => {
  const { home, cleanup } = tempHome('mpegflow-replicate-watch-');
  let edge: Deployment;
  let central: Deployment;
  const cli = (args: string[], input?: string) => runCli(args, { home, input, timeoutMs: 180_000 });
  const canariesOn = async (d: Deployment, bucket: string) => {
    const keys: string[] = [];
    for await (const item of d.client().listObjects(bucket, '.mpegflow-canary/', true, { IncludeVersion: true }) as AsyncIterable<{
      name?: string;
    }>)
      keys.push(item.name ?? '');
    return keys;
  };

  before(async () => {
    [edge, central] = await Promise.all([startSingleDrive(), startSingleDrive()]);
    await edge.client().makeBucket('ingest');
    await addEndpoints(home, { edge1: edge, central });
    const vendor = vendorKeygen(mkdtempSync(path.join(os.tmpdir(), 'mpegflow-watch-keys-')), 'watch-test');
    const install = await cli(
      ['license', 'install', '-', '--trusted-key', vendor.publicJwks],
      vendorSign(vendor.privateJwk, ['--capabilities', 'replication']),
    );
    assert.equal(install.code, 0, install.stderr);
    const setup = await cli(['replicate', 'setup', 'edge1/ingest', 'central/masters', '--create-bucket']);
    assert.equal(setup.code, 0, setup.stderr);
  });
  after(async () => {
    await Promise.all([edge?.stop(), central?.stop()]);
    cleanup();
  });

  it('bad input: unknown endpoint, a bucket without a rule, thresholds the wrong way round', async () => {
    for (const [args, code, message] of [
      [['replicate', 'watch', 'nowhere/ingest', '--once'], 3, /'nowhere' in 'nowhere\/ingest' is not a configured endpoint/],
      [['replicate', 'watch', 'edge1/other', '--once'], 3, /no replication set up by MpegFlow for edge1\/other/],
      [['replicate', 'watch', 'edge1/ingest', '--once', '--warn', '5m', '--crit', '1m'], 3, /--crit 1m is shorter than --warn 5m/],
      [['replicate', 'watch', 'edge1/ingest', '--once', '--warn', 'soon'], 3, /--warn 'soon' is not a time span/],
      [['replicate', 'resync', 'edge1/other'], 1, /no replication set up by MpegFlow for edge1\/other/],
      [
        ['replicate', 'resync', 'edge1/ingest', '--target', 'central/elsewhere'],
        1,
        /no replication set up by MpegFlow for edge1\/ingest to central\/elsewhere/,
      ],
    ] as const) {
      const res = await cli([...args]);
      assert.equal(res.code, code, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, message);
      assert.doesNotMatch(res.stderr, /\n\s+at /);
    }
  });

  it('watch --once: OK with a measured lag, the textfile written, the canary gone', async () => {
    const textfile = path.join(home, 'replication.prom');
    const res = await cli([
      'replicate',
      'watch',
      'edge1/ingest',
      '--once',
      '--warn',
      '30s',
      '--crit',
      '60s',
      '--textfile',
      textfile,
      '--json',
    ]);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const sample = parseJson<WatchDoc>(res).samples[0]!;
    assert.ok(sample.canaryArrived && sample.lagSeconds !== null && sample.lagSeconds < 30, JSON.stringify(sample));
    assert.equal(sample.targetOnline, true);
    const text = readFileSync(textfile, 'utf8');
    assert.equal(gauge(text, 'mpegflow_replication_status'), 0);
    assert.equal(gauge(text, 'mpegflow_replication_target_online'), 1);
    assert.deepEqual(await canariesOn(edge, 'ingest'), []);
    assert.deepEqual(await canariesOn(central, 'masters'), []);
  });

  it(
    'status --watch on a terminal refreshes in place until Ctrl-C, then reports the last state with its exit code',
    { skip: !terminalAvailable() && 'util-linux script(1) is not installed' },
    async () => {
      const status = spawnCliOnTerminal(['replicate', 'status', 'edge1/ingest', '--watch', '--interval', '1s'], { home });
      try {
        await eventually(
          'three refreshes',
          async () => (status.log().match(/refreshing every 1s, Ctrl-C to stop/g)?.length ?? 0) >= 3,
          30_000,
        );
      } finally {
        status.interrupt();
      }
      assert.equal(await status.exited, 0, status.log());
      assert.ok(status.log().includes('\x1b[2J\x1b[H'), 'each refresh clears the screen');
      assert.match(
        status.log().split('Ctrl-C to stop').at(-1)!,
        /edge1\/ingest │ central\/masters │ OK[\s\S]*Overall: OK/,
        'the last state, once more',
      );
    },
  );

  it('watching: central stopped, the lag grows to CRITICAL; restarted, it drains back to OK; stopping leaves no canary', async () => {
    const textfile = path.join(home, 'watch.prom');
    const watch = spawnCli(
      ['replicate', 'watch', 'edge1/ingest', '--warn', '3s', '--crit', '8s', '--interval', '1s', '--textfile', textfile],
      {
        home,
      },
    );
    try {
      const read = () => (existsSync(textfile) ? readFileSync(textfile, 'utf8') : '');
      await eventually('a first OK round', async () => gauge(read(), 'mpegflow_replication_status') === 0);
      await central.stopNode(0);
      const lags: number[] = [];
      await eventually(
        'CRITICAL',
        async () => {
          const lag = gauge(read(), 'mpegflow_replication_lag_seconds');
          if (lag !== null && lag !== lags.at(-1)) lags.push(lag);
          return gauge(read(), 'mpegflow_replication_status') === 2;
        },
        60_000,
      );
      // the rounds before central went down measured arrivals (below 1 s); from then on one canary keeps waiting
      const waiting = lags.filter((lag) => lag >= 1);
      assert.ok(waiting.length >= 3 && waiting.at(-1)! >= 8, `the lag grew round after round: ${lags.join(', ')}`);
      assert.ok(
        waiting.slice(1).every((lag, i) => lag > waiting[i]!),
        `the lag only grew while central was down: ${lags.join(', ')}`,
      );
      assert.equal(gauge(read(), 'mpegflow_replication_target_online'), 0);
      await central.restartNode(0);
      await eventually('OK again', async () => gauge(read(), 'mpegflow_replication_status') === 0, 120_000);
      assert.ok(gauge(read(), 'mpegflow_replication_lag_seconds')! < 3);
    } finally {
      watch.child.kill('SIGTERM');
    }
    // stopped, the watch exits with the status of its last round (the textfile's)
    const code = await watch.exited;
    assert.equal(code, gauge(readFileSync(textfile, 'utf8'), 'mpegflow_replication_status'), watch.log());
    assert.deepEqual(await canariesOn(edge, 'ingest'), [], 'the watch removed its last canary when stopped');
  });

  it('watch --once with central down is CRITICAL (exit 2), with the canary removed', async () => {
    await central.stopNode(0);
    try {
      const res = await cli(['replicate', 'watch', 'edge1/ingest', '--once', '--warn', '1s', '--crit', '3s', '--json']);
      assert.equal(res.code, 2, res.stdout + res.stderr);
      const sample = parseJson<WatchDoc>(res).samples[0]!;
      assert.equal(sample.canaryArrived, false);
      assert.ok(sample.lagSeconds! >= 3);
      assert.equal(sample.targetOnline, false);
      assert.deepEqual(await canariesOn(edge, 'ingest'), []);
    } finally {
      await central.restartNode(0);
    }
  });

  it('failed objects: resync shows its plan (--dry-run changes nothing), re-queues them, is audited', async () => {
    await central.stopNode(0);
    for (let i = 0; i < 5; i++) await edge.client().putObject('ingest', `day3/clip-${i}.mov`, Buffer.alloc(2000, i));
    const failed = await eventually('objects marked FAILED', async () => {
      const doc = parseJson<DeepStatusDoc>(await cli(['replicate', 'status', 'edge1/ingest', '--deep', '--json']));
      return doc.rules[0]!.counts.failed >= 1 && doc.rules[0]!;
    });
    assert.ok(
      failed.objects.oldestFailed.some((k) => k.key.startsWith('day3/clip-')),
      JSON.stringify(failed.objects),
    );
    await central.restartNode(0);

    const dry = await cli(['replicate', 'resync', 'edge1/ingest', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Resync plan/);
    assert.match(dry.stdout, /edge1\/ingest +central\/masters +\d+ +\d+ +never/);
    assert.match(dry.stdout, /Dry run: nothing was re-queued/);

    const res = await cli(['replicate', 'resync', 'edge1/ingest', '--wait', '--timeout', '120', '--json']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const doc = parseJson<{ dryRun: boolean; plan: { failedSinceStart: number }[]; resyncs: { status: string; resetId: string }[] }>(res);
    assert.ok(doc.plan[0]!.failedSinceStart >= 1, JSON.stringify(doc.plan));
    assert.equal(doc.resyncs[0]!.status, 'Completed', JSON.stringify(doc.resyncs));
    await eventually('nothing failed or waiting', async () => {
      const after = parseJson<DeepStatusDoc>(await cli(['replicate', 'status', 'edge1/ingest', '--deep', '--json'])).rules[0]!;
      return after.counts.failed === 0 && after.counts.pending === 0;
    });
    for (let i = 0; i < 5; i++) await central.client().statObject('masters', `day3/clip-${i}.mov`);
    const audit = parseJson<{ entries: { command: string; outcome: string; detail?: { resyncs?: { resetId: string }[] } }[] }>(
      await cli(['audit', 'list', '--command', 'replicate resync', '--json']),
    );
    assert.ok(
      audit.entries.some((e) => e.detail?.resyncs?.[0]?.resetId === doc.resyncs[0]!.resetId),
      JSON.stringify(audit.entries),
    );
  });

  it('bandwidth throttled on the rule: the limit shows, and the backlog and lag are visible while it drains', async () => {
    const setup = await cli(['replicate', 'setup', 'edge1/ingest', 'central/masters', '--bandwidth', '100MiB/s']);
    assert.equal(setup.code, 0, setup.stderr);
    const big = Buffer.alloc(64 * 1024 * 1024, 7);
    await Promise.all(Array.from({ length: 12 }, (_, i) => edge.client().putObject('ingest', `day4/big-${i}.mov`, big)));
    const res = await cli(['replicate', 'watch', 'edge1/ingest', '--once', '--warn', '1s', '--crit', '120s', '--json']);
    const sample = parseJson<WatchDoc>(res).samples[0]!;
    console.log(`throttled: ${JSON.stringify(sample)}`);
    assert.equal(sample.bandwidthLimit, 100 * 1024 * 1024);
    assert.ok(sample.lagSeconds! >= 1 || sample.backlog.bytes > 0, `lag or backlog visible: ${JSON.stringify(sample)}`);
    assert.ok(res.code === 1 || res.code === 0, res.stdout);
  });

  it('central refusing the credentials is UNKNOWN naming central, not a growing lag', async () => {
    const replace = (secret: string) =>
      cli(
        ['endpoint', 'add', 'central', '--url', central.url, '--access-key', central.accessKey, '--secret-key-stdin', '--replace'],
        secret,
      );
    assert.equal((await replace('not-the-central-secret')).code, 0);
    try {
      const res = await cli(['replicate', 'watch', 'edge1/ingest', '--once', '--warn', '5s', '--crit', '30s', '--json']);
      assert.equal(res.code, 3, res.stdout + res.stderr);
      const sample = parseJson<WatchDoc>(res).samples[0]!;
      assert.match(
        sample.error!.message,
        /cannot read the canary at central\/masters\/.*: endpoint 'central' refused the credentials \(SignatureDoesNotMatch\)/,
      );
      assert.deepEqual(await canariesOn(edge, 'ingest'), []);
    } finally {
      assert.equal((await replace(central.secretKey)).code, 0);
    }
  });

  it('never printed a secret key', () => {
    const all = transcript.join('\n');
    assert.ok(transcript.length >= 10);
    for (const d of [edge, central]) assert.ok(!all.includes(d.secretKey));
  });
});
