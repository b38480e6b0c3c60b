import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HealthResult } from '../../../src/core/health/check.ts';
import type { HealthReport } from '../../../src/core/health/model.ts';
import { parseJson, runCli, tempHome } from '../../support/cli.ts';
import { addEndpoints, mcFor, startDistributed, startErasureSet, startSingleDrive, type Deployment } from '../../support/minio.ts';

/** `health --json` of deployments that all answered. */
type HealthDoc = Omit<HealthResult, 'endpoints'> & { endpoints: HealthReport[] };

/** What `mc admin info --json` counts on the same deployment. */
function mcDriveCounts(deployment: Deployment): { online: number; offline: number } {
  const info = JSON.parse(mcFor(deployment)(['admin', 'info', 't', '--json'])) as {
    info: { backend: { onlineDisks: number; offlineDisks: number } };
  };
  return { online: info.info.backend.onlineDisks, offline: info.info.backend.offlineDisks };
}

async function waitUntil(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('mpegflow health against real MinIO', () => {
  const { home, cleanup } = tempHome('mpegflow-health-');
  let single: Deployment;
  let set6: Deployment;
  let cluster: Deployment;
  let removed = 0;
  const cli = (args: string[]) => runCli(args, { home, timeoutMs: 120_000 });
  const health = async (name: string) => {
    const res = await cli(['health', name, '--json']);
    const doc = parseJson<HealthDoc>(res);
    return { code: res.code, doc, report: doc.endpoints[0]! };
  };

  before(async () => {
    [single, set6, cluster] = await Promise.all([
      startSingleDrive(),
      startErasureSet({ drives: 6, parity: 2 }),
      startDistributed({ nodes: 4, drivesPerNode: 2 }),
    ]);
    await addEndpoints(home, { single, set6, cluster });
  });
  after(async () => {
    await Promise.all([single?.stop(), set6?.stop(), cluster?.stop()]);
    cleanup();
  });

  it('a single drive: WARNING, no redundancy (exit 1), said plainly', async () => {
    const { code, report } = await health('single');
    assert.equal(code, 1);
    assert.equal(report.status, 'WARNING');
    assert.match(report.summary, /^no redundancy \(1 drive, parity 0\): a drive lost is data lost/);
    const text = await cli(['health', 'single']);
    assert.equal(text.code, 1);
    assert.match(text.stdout.split('\n')[0]!, /^single: WARNING - no redundancy \(1 drive, parity 0\)/);
    assert.deepEqual([report.drives.total, report.drives.online], [1, 1]);
    assert.ok(report.capacity.rawBytes > 0);
  });

  // 6 drives, EC:2: read quorum 4, write quorum 4
  const matrix = [
    { lost: 0, status: 'OK', code: 0, readOnly: 2, unavailable: 2 },
    { lost: 1, status: 'WARNING', code: 1, readOnly: 1, unavailable: 1 },
    { lost: 2, status: 'CRITICAL', code: 2, readOnly: 0, unavailable: 0 },
    { lost: 3, status: 'CRITICAL', code: 2, readOnly: 0, unavailable: 0 },
  ];
  for (const row of matrix) {
    it(`erasure set of 6 (EC:2) with ${row.lost} drive(s) gone: ${row.status}, exit ${row.code}`, async () => {
      // alternate the two ways a drive goes: its folder removed, or replaced by something MinIO cannot use
      for (let i = removed; i < row.lost; i++) (i % 2 ? set6.removeDrive : set6.makeDriveUnreadable)(set6.drives[i]!);
      removed = row.lost;
      // MinIO notices a drive replaced by a file at its next drive check: seconds, up to a minute on a loaded host
      await waitUntil(`MinIO to notice ${row.lost} drive(s) gone`, () => mcDriveCounts(set6).offline === row.lost, 90_000);
      const mcBefore = mcDriveCounts(set6);
      const { code, report } = await health('set6');
      const [set] = report.sets;
      assert.equal(report.parity.standard, 'EC:2');
      assert.deepEqual([set!.readQuorum, set!.writeQuorum], [4, 4]);
      assert.equal(set!.offline, row.lost, JSON.stringify(set));
      assert.equal(report.status, row.status);
      assert.equal(code, row.code);
      assert.equal(set!.canLoseBeforeReadOnly, row.readOnly);
      assert.equal(set!.canLoseBeforeUnavailable, row.unavailable);
      assert.deepEqual(set!.problemDrives.map((d) => d.path).sort(), set6.drives.slice(0, row.lost).sort());
      // what mc says just before or just after: MinIO retries a drive it cannot use, and may count it online for a moment
      const ours = { online: report.drives.online, offline: report.drives.offline };
      const mcAfter = mcDriveCounts(set6);
      assert.ok(
        [mcBefore, mcAfter].some((mc) => mc.online === ours.online && mc.offline === ours.offline),
        `ours ${JSON.stringify(ours)}, mc before ${JSON.stringify(mcBefore)} and after ${JSON.stringify(mcAfter)}`,
      );
    });
  }

  it('4 nodes x 2 drives (EC:4): OK, then one node stopped is a WARNING, two are CRITICAL', async () => {
    const ok = await health('cluster');
    assert.equal(ok.report.status, 'OK');
    assert.equal(ok.report.parity.standard, 'EC:4');
    assert.deepEqual([ok.report.sets[0]!.writeQuorum, ok.report.sets[0]!.readQuorum], [5, 4]);

    await cluster.stopNode(3);
    const one = await health('cluster');
    assert.equal(one.code, 1);
    assert.equal(one.report.status, 'WARNING');
    assert.equal(one.report.drives.offline, 2);
    assert.equal(one.report.sets[0]!.canLoseBeforeReadOnly, 1);
    assert.deepEqual(one.report.nodes.offline, [new URL(cluster.nodes[3]!.url).host]);
    assert.deepEqual({ online: one.report.drives.online, offline: one.report.drives.offline }, mcDriveCounts(cluster));

    await cluster.stopNode(2);
    const two = await health('cluster');
    assert.equal(two.code, 2);
    assert.equal(two.report.status, 'CRITICAL');
    assert.equal(two.report.sets[0]!.canLoseBeforeUnavailable, 0);
    assert.match((await cli(['health', 'cluster'])).stdout, /READ-ONLY/);

    await cluster.restartNode(2);
    await cluster.restartNode(3);
  });

  it('capacity: usable after parity, and a forecast once there is history', async () => {
    const first = await cli(['capacity', 'cluster', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const report = parseJson<{
      capacity: { rawBytes: number; usableBytes: number; usableUsedBytes: number };
      parity: string;
      forecast: { kind: string };
    }>(first);
    assert.equal(report.parity, 'EC:4');
    assert.ok(Math.abs(report.capacity.usableBytes / report.capacity.rawBytes - 0.5) < 0.01, 'EC:4 on 8 drives keeps half');
    assert.equal(report.forecast.kind, 'insufficient-history');
    assert.match((await cli(['capacity', 'cluster'])).stdout, /too little history/);
    // ten days of samples growing by 1 GiB a day up to today's use, as cron would have stored them
    const { execFileSync } = await import('node:child_process');
    const day = 86_400_000;
    const rows = Array.from({ length: 10 }, (_, i) => {
      const ts = new Date(Date.now() - (10 - i) * day).toISOString();
      const used = report.capacity.usableUsedBytes - (10 - i) * 1024 ** 3;
      return `('cluster', '${ts}', 'OK', 8, 8, 0, ${report.capacity.rawBytes}, 0, ${report.capacity.usableBytes}, ${Math.round(used)})`;
    });
    execFileSync('sqlite3', [
      `${home}/state.db`,
      `DELETE FROM health_samples WHERE endpoint = 'cluster'; INSERT INTO health_samples (endpoint, ts, status, drives_total, drives_online, drives_healing, raw_bytes, raw_used_bytes, usable_bytes, usable_used_bytes) VALUES ${rows.join(',')};`,
    ]);
    const later = parseJson<{ forecast: { kind: string; growthBytesPerDay: number; days: number } }>(
      await cli(['capacity', 'cluster', '--json']),
    );
    assert.equal(later.forecast.kind, 'full-in');
    assert.ok(later.forecast.days > 0);
  });

  it('writes a Prometheus textfile (--textfile, or --prometheus as before) and checks several endpoints at once', async () => {
    const file = `${home}/mpegflow.prom`;
    const earlier = await cli(['health', 'single', '--prometheus', `${home}/earlier.prom`]);
    assert.equal(earlier.code, 1, earlier.stderr);
    const res = await cli(['health', 'single', 'cluster', '--textfile', file, '--json']);
    const doc = parseJson<HealthDoc>(res);
    assert.deepEqual(
      doc.endpoints.map((e) => e.endpoint),
      ['single', 'cluster'],
    );
    const { readFileSync } = await import('node:fs');
    assert.match(readFileSync(file, 'utf8'), /mpegflow_health_status\{endpoint="single"\} 1/);
  });

  it('bad inputs are UNKNOWN (exit 3) with a clear message, never a stack trace', async () => {
    const add = (name: string, url: string, secret: string) =>
      runCli(['endpoint', 'add', name, '--url', url, '--access-key', single.accessKey, '--secret-key-stdin'], { home, input: secret });
    await add('wrongkey', single.url, 'definitely-not-the-secret');
    await add('closed', 'http://127.0.0.1:1', 'whatever-secret');
    for (const [name, pattern] of [
      ['ghost', /no endpoint named 'ghost'/],
      ['wrongkey', /refused the credentials/],
      ['closed', /refused the connection/],
    ] as const) {
      const res = await cli(['health', name]);
      assert.equal(res.code, 3, `${name}: ${res.stdout}${res.stderr}`);
      assert.match(res.stdout, new RegExp(`^${name}: UNKNOWN - `), 'the status line comes first');
      assert.match(res.stdout + res.stderr, pattern);
      assert.doesNotMatch(res.stdout + res.stderr, /\n\s+at /);
    }
  });
});
