import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from 'minio';
import type { ResolvedEndpoint } from '../../../src/core/endpoints/model.ts';
import { endpointNotFound } from '../../../src/core/endpoints/repository.ts';
import { targetMetrics, type WireMetricsV2 } from '../../../src/core/replication/metrics.ts';
import type { ListedObject } from '../../../src/core/s3/listing.ts';
import { walkObjects } from '../../../src/core/replication/object-walk.ts';
import { OldestKeys } from '../../../src/core/replication/oldest-keys.ts';
import type { ReplicationRecord } from '../../../src/core/replication/records.ts';
import { assessRule, replicationStatus, ruleStatus, type ServerCalls } from '../../../src/core/replication/status.ts';

const ARN = 'arn:minio:replication::abc:masters';
const record: ReplicationRecord = {
  edge: 'edge1',
  edgeBucket: 'ingest',
  central: 'central',
  centralBucket: 'masters',
  ruleId: 'mpegflow-to-central-masters',
  targetArn: ARN,
  settings: {
    prefix: '',
    replicate: { delete: false, deleteMarker: false, existingObjects: true, metadataSync: false },
    bandwidth: null,
    sync: false,
    priority: 1,
  },
  createdAt: '2026-11-01T00:00:00Z',
  updatedAt: '2026-11-01T00:00:00Z',
};

/** As the pinned MinIO answers GET /BUCKET?replication-metrics=2 (trimmed). */
const wire = (over: { queued?: number; lastMinute?: number; lastHour?: number; limit?: number } = {}): WireMetricsV2 => ({
  uptime: 55,
  currStats: {
    Stats: {
      [ARN]: {
        completedReplicationSize: 6000015,
        replicationCount: 7,
        failed: {
          lastMinute: { count: over.lastMinute ?? 0, bytes: (over.lastMinute ?? 0) * 3 },
          lastHour: { count: over.lastHour ?? 0, bytes: (over.lastHour ?? 0) * 3 },
          totals: { count: over.lastHour ?? 0, bytes: (over.lastHour ?? 0) * 3 },
        },
        limitInBits: over.limit ?? 0,
        currentBandwidth: 0,
      },
    },
    queued: { curr: { count: over.queued ?? 0, bytes: (over.queued ?? 0) * 15 } },
  },
});

async function* listing(items: ListedObject[]): AsyncIterable<ListedObject> {
  yield* items;
}

const object = (name: string, size: number, status: string | undefined, lastModified = ''): ListedObject => ({
  name,
  etag: 'e',
  size,
  lastModified,
  metadata: status ? { 'X-Amz-Replication-Status': status } : {},
});

const endpoint = (name: string) => ({ name, url: `http://${name}:9000` }) as ResolvedEndpoint;

function deps(calls: Partial<ServerCalls>) {
  return {
    resolve: async (name: string) => endpoint(name),
    s3For: () => ({}) as Client,
    now: () => new Date('2026-11-26T12:00:00Z'),
    calls: {
      rules: async () => [{ ID: record.ruleId, Status: 'Enabled' }],
      targets: async () => [
        {
          arn: ARN,
          sourcebucket: 'ingest',
          endpoint: 'c',
          targetbucket: 'masters',
          secure: false,
          type: 'replication' as const,
          isOnline: true,
          latency: { curr: 1_100_017_784, avg: 561_027_364, max: 7_695_110_740 },
        },
      ],
      metrics: async () => wire(),
      centralReady: async () => true,
      ...calls,
    },
  };
}

describe('replication metrics (GET ?replication-metrics=2)', () => {
  it("reads one target's figures; limitInBits carries bytes per second", () => {
    const m = targetMetrics(wire({ queued: 5, lastMinute: 1, lastHour: 4, limit: 209715200 }), ARN);
    assert.deepEqual(m.replicated, { count: 7, bytes: 6000015 });
    assert.deepEqual(m.queued, { count: 5, bytes: 75 });
    assert.deepEqual([m.failed.lastMinute.count, m.failed.lastHour.count, m.failed.total.count], [1, 4, 4]);
    assert.equal(m.bandwidthLimit, 209715200);
    assert.equal(m.uptimeSeconds, 55);
  });
  it('a target MinIO has not counted yet reads as zeros, no limit', () => {
    const m = targetMetrics({ uptime: 3 }, ARN);
    assert.deepEqual([m.replicated.count, m.queued.count, m.failed.lastHour.count, m.bandwidthLimit], [0, 0, 0, null]);
  });
});

describe('the oldest keys', () => {
  it('keeps only the N oldest, oldest first, whatever the order offered', () => {
    const keep = new OldestKeys(3);
    for (const [key, at] of [
      ['e', 5],
      ['a', 1],
      ['d', 4],
      ['b', 2],
      ['f', 6],
      ['c', 3],
    ] as const)
      keep.offer(key, at * 1000);
    assert.deepEqual(
      keep.list().map((k) => k.key),
      ['a', 'b', 'c'],
    );
    assert.equal(keep.list()[0]!.lastModified, '1970-01-01T00:00:01.000Z');
  });
});

describe('walking the objects (--deep)', () => {
  it("counts each object's replication state and names the oldest waiting and failed keys", async () => {
    const items: ListedObject[] = [];
    for (let i = 0; i < 50; i++) items.push(object(`p${i}`, 10, 'PENDING', new Date(Date.UTC(2026, 10, 26, 0, i)).toISOString()));
    items.push(object('f1', 7, 'FAILED', '2026-11-20T00:00:00Z'));
    items.push(object('ok', 3, 'COMPLETED'));
    items.push(object('before-the-rule', 1, undefined));
    const walk = await walkObjects(listing(items), 2, new Date('2026-11-26T12:00:00Z'));
    assert.equal(walk.objects, 53);
    assert.deepEqual(walk.counts, { replicated: 1, pending: 50, failed: 1, other: 1 });
    assert.deepEqual(walk.bytes, { replicated: 3, pending: 500, failed: 7 });
    assert.deepEqual(
      walk.oldestPending.map((k) => k.key),
      ['p0', 'p1'],
    );
    assert.deepEqual(
      walk.oldestFailed.map((k) => k.key),
      ['f1'],
    );
  });
});

describe('assessing a rule', () => {
  const where = { edge: 'edge1/ingest', central: 'central' };
  const healthy = {
    ruleOnServer: true,
    targetPresent: true,
    targetOnline: true,
    pending: 0,
    oldestPendingSeconds: null,
    failed: 0,
    failingNow: 0,
    source: 'metrics' as const,
  };
  it('OK when nothing waits or fails', () => assert.equal(assessRule(healthy, where).status, 'OK'));
  it('WARNING for a backlog, or failures earlier in the hour that stopped', () => {
    assert.equal(assessRule({ ...healthy, pending: 3 }, where).status, 'WARNING');
    assert.equal(assessRule({ ...healthy, failed: 2 }, where).status, 'WARNING');
  });
  it('CRITICAL for failures now, failures while central is offline, failed objects, or a rule gone', () => {
    assert.equal(assessRule({ ...healthy, failed: 2, failingNow: 1 }, where).status, 'CRITICAL');
    assert.equal(assessRule({ ...healthy, failed: 2, targetOnline: false }, where).status, 'CRITICAL');
    assert.equal(assessRule({ ...healthy, failed: 1, source: 'objects' }, where).status, 'CRITICAL');
    const gone = assessRule({ ...healthy, ruleOnServer: false }, where);
    assert.equal(gone.status, 'CRITICAL');
    assert.match(gone.problems[0]!, /the rule is gone from edge1\/ingest/);
  });
  it('WARNING when only central is offline', () => {
    assert.deepEqual(assessRule({ ...healthy, targetOnline: false }, where), {
      status: 'WARNING',
      problems: ["central endpoint 'central' is offline"],
    });
  });
});

describe('ruleStatus', () => {
  it('by default reads the metrics and never lists the objects', async () => {
    const status = await ruleStatus(
      record,
      deps({
        metrics: async () => wire({ queued: 2 }),
        listing: () => {
          throw new Error('listed the objects');
        },
      }),
    );
    assert.equal(status.source, 'metrics');
    assert.equal(status.status, 'WARNING');
    assert.deepEqual(status.counts, { replicated: 7, pending: 2, failed: 0 });
    assert.deepEqual(status.targetHealth, { online: true, latencyMs: { current: 1100, average: 561, max: 7695 } });
    assert.equal(status.objects, null);
  });
  it('--deep walks the objects: counts, age of the oldest waiting object, its key', async () => {
    const status = await ruleStatus(record, {
      ...deps({
        listing: () => listing([object('old.mov', 5, 'PENDING', '2026-11-26T11:59:00Z')]),
      }),
      deep: { keep: 10 },
    });
    assert.equal(status.source, 'objects');
    assert.equal(status.oldestPendingSeconds, 60);
    assert.deepEqual(status.objects?.oldestPending, [{ key: 'old.mov', lastModified: '2026-11-26T11:59:00.000Z' }]);
  });
  it('the target gone from the server is CRITICAL', async () => {
    const status = await ruleStatus(record, deps({ targets: async () => [] }));
    assert.equal(status.status, 'CRITICAL');
    assert.match(status.summary, /remote target is gone/);
  });
  it('an edge that cannot be read is UNKNOWN with the mapped error', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const status = await ruleStatus(
      record,
      deps({
        rules: async () => {
          throw refused;
        },
      }),
    );
    assert.equal(status.status, 'UNKNOWN');
    assert.equal(status.error?.code, 'UNREACHABLE');
  });
});

describe('ruleStatus when the bucket has no rule left', () => {
  it('does not ask for the metrics MinIO would refuse, and is CRITICAL', async () => {
    const status = await ruleStatus(
      record,
      deps({
        rules: async () => [],
        metrics: async () => {
          throw new Error('asked for the metrics of a bucket without rules');
        },
      }),
    );
    assert.equal(status.status, 'CRITICAL');
    assert.match(status.summary, /the rule is gone/);
  });
});

describe('replicationStatus of a bucket replicated to two centrals', () => {
  const dr: ReplicationRecord = { ...record, central: 'dr', centralBucket: 'copy', ruleId: 'mpegflow-to-dr-copy', targetArn: 'arn:dr' };
  it('reads the bucket once (rules, targets, metrics, the --deep walk), each central once', async () => {
    const asked: string[] = [];
    const count =
      <T>(what: string, answer: () => T) =>
      async () => {
        asked.push(what);
        return answer();
      };
    const statuses = await replicationStatus([record, dr], {
      ...deps({
        rules: count('rules', () => [{ ID: record.ruleId, Status: 'Enabled' }]),
        targets: count('targets', () => []),
        metrics: count('metrics', () => wire()),
        centralReady: async (central) => {
          asked.push(`ready ${central.name}`);
          return true;
        },
        listing: () => {
          asked.push('listing');
          return listing([object('a.mov', 5, 'COMPLETED')]);
        },
      }),
      deep: { keep: 10 },
    });
    assert.deepEqual(asked.sort(), ['listing', 'metrics', 'ready central', 'ready dr', 'rules', 'targets']);
    assert.deepEqual(
      statuses.map((s) => [s.central, s.counts.replicated]),
      [
        ['central', 1],
        ['dr', 1],
      ],
    );
  });
  it('a central that cannot be resolved is UNKNOWN naming the central, and the other rule is still read', async () => {
    const statuses = await replicationStatus([record, dr], {
      ...deps({}),
      resolve: async (name: string) => {
        if (name === 'dr') throw endpointNotFound(name);
        return endpoint(name);
      },
    });
    assert.deepEqual(
      statuses.map((s) => [s.central, s.status]),
      [
        ['central', 'OK'],
        ['dr', 'UNKNOWN'],
      ],
    );
    assert.equal(statuses[1]!.summary, "cannot read the central: no endpoint named 'dr'");
    assert.equal(statuses[1]!.error?.code, 'ENDPOINT_NOT_FOUND');
  });
});
