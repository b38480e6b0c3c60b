import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { parseJson, runCli, tempHome, transcript } from '../../support/cli.ts';
import { vendorKeygen, vendorSign } from '../../support/license.ts';
import { mcFor, startErasureSet, startSingleDrive, type Deployment } from '../../support/minio.ts';
import { startPlainHttpServer } from '../../support/plain-http.ts';

interface StatusDoc {
  status: string;
  rules: { status: string; targetOnline: boolean; counts: { replicated: number; pending: number; failed: number } }[];
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

describe('mpegflow replicate against real MinIO (two edges, a 4-drive central)', () => {
  const { home, cleanup } = tempHome('mpegflow-replicate-');
  let edge1: Deployment;
  let edge2: Deployment;
  let central: Deployment;
  let web: Awaited<ReturnType<typeof startPlainHttpServer>>;
  const cli = (args: string[], input?: string) => runCli(args, { home, input, timeoutMs: 180_000 });
  /** mc's view of a bucket's replication rules ('' when it has none). */
  const mcRules = (d: Deployment, bucket: string) => {
    try {
      return mcFor(d)(['replicate', 'ls', `t/${bucket}`, '--json']);
    } catch {
      return '';
    }
  };
  const exists = async (d: Deployment, bucket: string, key: string) =>
    d
      .client()
      .statObject(bucket, key)
      .then(
        () => true,
        () => false,
      );

  before(async () => {
    [edge1, edge2, central, web] = await Promise.all([
      startSingleDrive(),
      startSingleDrive(),
      startErasureSet({ drives: 4 }),
      startPlainHttpServer(),
    ]);
    await Promise.all([edge1.client().makeBucket('ingest'), edge2.client().makeBucket('ingest'), edge2.client().makeBucket('paused')]);
    await edge2.client().setBucketVersioning('paused', { Status: 'Suspended' });
    for (const [name, d, role] of [
      ['edge1', edge1, 'edge'],
      ['edge2', edge2, 'edge'],
      ['central', central, 'central'],
    ] as const) {
      assert.equal(
        (
          await cli(
            ['endpoint', 'add', name, '--url', d.url, '--access-key', d.accessKey, '--secret-key-stdin', '--role', role],
            d.secretKey,
          )
        ).code,
        0,
      );
    }
    await cli(
      ['endpoint', 'add', 'central-badkey', '--url', central.url, '--access-key', central.accessKey, '--secret-key-stdin'],
      'not-the-central-secret',
    );
    await cli(
      ['endpoint', 'add', 'central-down', '--url', 'http://127.0.0.1:1', '--access-key', 'someone', '--secret-key-stdin'],
      'whatever-secret',
    );
    await cli(['endpoint', 'add', 'web', '--url', web.url, '--access-key', 'someone', '--secret-key-stdin'], 'whatever-secret');
  });
  after(async () => {
    await Promise.all([edge1?.stop(), edge2?.stop(), central?.stop(), web?.stop()]);
    cleanup();
  });

  it('community mode refuses replication, naming the entitlement', async () => {
    const res = await cli(['replicate', 'setup', 'edge1/ingest', 'central/masters', '--create-bucket']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /replication is not included in community mode/);
    const keys = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-repl-keys-'));
    const vendor = vendorKeygen(keys, 'repl-test');
    const install = await cli(
      ['license', 'install', '-', '--trusted-key', vendor.publicJwks],
      vendorSign(vendor.privateJwk, ['--capabilities', 'encode,replication,health']),
    );
    assert.equal(install.code, 0, install.stderr);
  });

  it('bad inputs fail before anything changes on the edge', async () => {
    // each with its own exit code and its own error: a refusal for another reason must not pass
    for (const [args, code, message] of [
      [['edge1/missing', 'central/masters', '--create-bucket'], 1, /^Error: the edge bucket edge1\/missing does not exist\n/],
      [['edge2/paused', 'central/masters', '--create-bucket'], 1, /^Error: versioning is suspended on edge2\/paused\n/],
      [
        ['edge1/ingest', 'central-badkey/masters', '--create-bucket'],
        1,
        /^Error: cannot read central-badkey\/masters: endpoint 'central-badkey' \(http:\/\/127\.0\.0\.1:\d+\) refused the credentials \(SignatureDoesNotMatch\)\n/,
      ],
      [
        ['edge1/ingest', 'central-down/masters', '--create-bucket'],
        1,
        /^Error: endpoint 'central-down' \(http:\/\/127\.0\.0\.1:1\) refused the connection: nothing listens on that port\n/,
      ],
      [['edge1/ingest', 'edge1/ingest'], 1, /^Error: edge1\/ingest and edge1\/ingest are the same bucket\n/],
      [
        ['web/ingest', 'central/masters'],
        1,
        /^Error: endpoint 'web' \(http:\/\/127\.0\.0\.1:\d+\) is not a MinIO server \(no \/minio\/health\/ready\)\n/,
      ],
      [['nowhere/ingest', 'central/masters'], 1, /^Error: 'nowhere' in 'nowhere\/ingest' is not a configured endpoint\n/],
      [
        ['edge1/ingest', 'central/masters'],
        2,
        /^Error: the central bucket central\/masters does not exist\n {2}Try: add --create-bucket to create it/,
      ],
    ] as const) {
      const res = await cli(['replicate', 'setup', ...args]);
      assert.equal(res.code, code, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, message);
      assert.doesNotMatch(res.stderr, /\n\s+at /);
    }
    assert.doesNotMatch(mcRules(edge1, 'ingest'), /mpegflow/, 'no rule was half-applied');
    const versioning = (await edge1.client().getBucketVersioning('ingest')) as { Status?: string } | undefined;
    assert.notEqual(versioning?.Status, 'Enabled', 'a failed setup enabled nothing');
  });

  it('sets up edge1 -> central (dry run first), objects arrive, a re-run changes nothing', async () => {
    const dry = await cli(['replicate', 'setup', 'edge1/ingest', 'central/masters', '--create-bucket', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /to do: .*create the target bucket/);
    assert.match(dry.stdout, /Dry run: nothing was changed/);
    assert.equal(await central.client().bucketExists('masters'), false);

    const setup = await cli(['replicate', 'setup', 'edge1/ingest', 'central/masters', '--create-bucket', '--json']);
    assert.equal(setup.code, 0, setup.stderr);
    assert.deepEqual(
      parseJson<{ applied: { action: string }[] }>(setup).applied.map((s) => s.action),
      ['create-bucket', 'enable-versioning', 'enable-versioning', 'create-target', 'put-rule'],
    );
    await edge1.client().putObject('ingest', 'day1/cam-a 001.mov', Buffer.alloc(200_000, 1));
    await eventually('the object at central', () => exists(central, 'masters', 'day1/cam-a 001.mov'));

    const rerun = await cli(['replicate', 'setup', 'edge1/ingest', 'central/masters', '--create-bucket', '--json']);
    const again = parseJson<{ applied: unknown[]; steps: unknown[] }>(rerun);
    assert.deepEqual([again.steps.length, again.applied.length], [0, 0], rerun.stdout);
  });

  it('two edges feed one central bucket; mc sees what MpegFlow set up', async () => {
    assert.equal((await cli(['replicate', 'setup', 'edge2/ingest', 'central/masters', '--bandwidth', '100MiB/s'])).code, 0);
    await edge2.client().putObject('ingest', 'day1/cam-b 001.mov', Buffer.alloc(1000, 2));
    await eventually('edge2 object at central', () => exists(central, 'masters', 'day1/cam-b 001.mov'));
    assert.ok(await exists(central, 'masters', 'day1/cam-a 001.mov'));
    assert.match(mcRules(edge2, 'ingest'), /mpegflow-to-central-masters/);
    // what MpegFlow reports against what mc replicate status reads from the same edge
    await eventually('edge2 status OK', async () => (await cli(['replicate', 'status', 'edge2/ingest'])).code === 0);
    const ours = parseJson<{ rules: { counts: { replicated: number }; bytes: { replicated: number } }[] }>(
      await cli(['replicate', 'status', 'edge2/ingest', '--json']),
    ).rules[0]!;
    const mc = JSON.parse(mcFor(edge2)(['replicate', 'status', 't/ingest', '--json'])) as {
      replicationstats: { currStats: { Stats: Record<string, { replicationCount: number; completedReplicationSize: number }> } };
      remoteTargets: { arn: string; targetbucket: string }[];
    };
    const [arn, stats] = Object.entries(mc.replicationstats.currStats.Stats)[0]!;
    assert.deepEqual(
      mc.remoteTargets.map((t) => [t.arn, t.targetbucket]),
      [[arn, 'masters']],
    );
    assert.deepEqual([ours.counts.replicated, ours.bytes.replicated], [stats.replicationCount, stats.completedReplicationSize]);
    const list = parseJson<{ rules: { edge: string; ruleId: string; state: string }[] }>(await cli(['replicate', 'list', '--json']));
    assert.deepEqual(
      list.rules
        .filter((r) => r.state === 'in-sync')
        .map((r) => r.edge)
        .sort(),
      ['edge1', 'edge2'],
    );
  });

  it('status is OK and verify measures the lag with a canary it cleans up', async () => {
    await eventually('status OK', async () => (await cli(['replicate', 'status'])).code === 0);
    const verify = await cli(['replicate', 'verify', 'edge1/ingest', '--json']);
    assert.equal(verify.code, 0, verify.stderr);
    const canary = parseJson<{ canaries: { lagMs: number; key: string; cleanedUp: boolean }[] }>(verify).canaries[0]!;
    assert.ok(canary.lagMs >= 0 && canary.cleanedUp);
    assert.equal(await exists(central, 'masters', canary.key), false);
  });

  it('central stopped: a backlog and exit 1 or 2; central back: it drains and verify passes', async () => {
    await central.stopNode(0);
    await edge1.client().putObject('ingest', 'day2/cam-a 002.mov', Buffer.alloc(5000, 3));
    const down = await cli(['replicate', 'status', 'edge1/ingest', '--json']);
    const doc = parseJson<StatusDoc>(down);
    assert.ok(down.code === 1 || down.code === 2, `exit ${down.code}: ${down.stdout}`);
    assert.equal(doc.rules[0]!.targetOnline, false);
    assert.ok(doc.rules[0]!.counts.pending + doc.rules[0]!.counts.failed >= 1);
    await central.restartNode(0);
    // object by object: MinIO's metrics remember the failures of the outage for an hour (WARNING)
    await eventually(
      'the backlog to drain',
      async () => (await cli(['replicate', 'status', 'edge1/ingest', '--deep'])).code === 0,
      120_000,
    );
    assert.ok(await exists(central, 'masters', 'day2/cam-a 002.mov'));
    assert.equal((await cli(['replicate', 'verify', 'edge1/ingest', '--timeout', '60'])).code, 0);
  });

  it('list shows drift: a rule removed behind our back, and one MpegFlow did not create', async () => {
    const mc = mcFor(edge2);
    mc(['replicate', 'rm', '--all', '--force', 't/ingest']);
    await edge1.client().makeBucket('other');
    const list = parseJson<{ rules: { edge: string; edgeBucket: string; state: string }[] }>(await cli(['replicate', 'list', '--json']));
    assert.ok(
      list.rules.some((r) => r.edge === 'edge2' && r.state === 'missing'),
      JSON.stringify(list.rules),
    );
    const status = await cli(['replicate', 'status', 'edge2/ingest']);
    assert.equal(status.code, 2);
    assert.equal(
      (await cli(['replicate', 'setup', 'edge2/ingest', 'central/masters', '--bandwidth', '100MiB/s'])).code,
      0,
      're-running setup repairs it',
    );
  });

  it('remove takes the rule and target away and leaves versioning and data', async () => {
    const res = await cli(['replicate', 'remove', 'edge1/ingest']);
    assert.equal(res.code, 0, res.stderr);
    assert.doesNotMatch(mcRules(edge1, 'ingest'), /mpegflow-to-central-masters/);
    assert.equal(((await edge1.client().getBucketVersioning('ingest')) as { Status?: string }).Status, 'Enabled');
    assert.ok(await exists(edge1, 'ingest', 'day1/cam-a 001.mov'));
    assert.equal((await cli(['replicate', 'remove', 'edge1/ingest'])).code, 1);
    const audit = parseJson<{ entries: { command: string }[] }>(await cli(['audit', 'list', '--command', 'replicate', '--json']));
    assert.ok(audit.entries.some((e) => e.command === 'replicate remove'));
  });

  it('never printed a secret key', () => {
    const all = transcript.join('\n');
    // an empty transcript (no run captured) would prove nothing
    assert.ok(transcript.length >= 20 && all.length > 2000, `the transcript holds the runs above (${transcript.length} outputs)`);
    for (const d of [edge1, edge2, central]) {
      assert.ok(d.secretKey.length >= 16);
      assert.ok(!all.includes(d.secretKey));
    }
  });
});
