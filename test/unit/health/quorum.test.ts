import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessHealth } from '../../../src/core/health/assess.ts';
import type { DeploymentSnapshot, DriveReport } from '../../../src/core/health/model.ts';
import { quorumFor, worstStatus } from '../../../src/core/health/quorum.ts';

const GiB = 1024 ** 3;

function drives(pool: number, set: number, count: number, offline = 0, node = (i: number) => `127.0.0.1:${9000 + i}`): DriveReport[] {
  return Array.from({ length: count }, (_, i) => ({
    pool,
    set,
    node: node(i),
    path: `/data/d${i + 1}`,
    state: i < offline ? 'offline' : 'ok',
    healing: false,
    totalBytes: 100 * GiB,
    usedBytes: 10 * GiB,
    availableBytes: 90 * GiB,
  }));
}

function snapshot(parity: number, all: DriveReport[], drivesPerSet: number): DeploymentSnapshot {
  return {
    mode: 'online',
    version: 'test',
    deploymentId: 'd',
    standardParity: parity,
    rrsParity: 1,
    drivesPerSet: [drivesPerSet],
    drives: all,
    nodes: [],
    objects: 0,
    buckets: 0,
  };
}

describe('quorum rules', () => {
  it('write quorum is D, or D+1 when data and parity are equal', () => {
    assert.deepEqual(
      [quorumFor({ drives: 4, parity: 2, online: 4 }).writeQuorum, quorumFor({ drives: 4, parity: 2, online: 4 }).readQuorum],
      [3, 2],
    );
    assert.deepEqual(
      [quorumFor({ drives: 8, parity: 4, online: 8 }).writeQuorum, quorumFor({ drives: 8, parity: 4, online: 8 }).readQuorum],
      [5, 4],
    );
    assert.deepEqual(
      [quorumFor({ drives: 6, parity: 2, online: 6 }).writeQuorum, quorumFor({ drives: 6, parity: 2, online: 6 }).readQuorum],
      [4, 4],
    );
    assert.deepEqual(
      [quorumFor({ drives: 16, parity: 4, online: 16 }).writeQuorum, quorumFor({ drives: 16, parity: 4, online: 16 }).readQuorum],
      [12, 12],
    );
  });

  // drives lost in one set of 6 drives with EC:2 (write quorum 4, read quorum 4)
  const matrix6 = [
    { lost: 0, status: 'OK', readOnly: 2, unavailable: 2, writable: true, readable: true },
    { lost: 1, status: 'WARNING', readOnly: 1, unavailable: 1, writable: true, readable: true },
    { lost: 2, status: 'CRITICAL', readOnly: 0, unavailable: 0, writable: true, readable: true },
    { lost: 3, status: 'CRITICAL', readOnly: 0, unavailable: 0, writable: false, readable: false },
  ];
  for (const row of matrix6) {
    it(`6 drives EC:2 with ${row.lost} lost: ${row.status}`, () => {
      const report = assessHealth('e', snapshot(2, drives(0, 0, 6, row.lost), 6), new Date());
      const [set] = report.sets;
      assert.equal(report.status, row.status);
      assert.equal(set!.canLoseBeforeReadOnly, row.readOnly);
      assert.equal(set!.canLoseBeforeUnavailable, row.unavailable);
      assert.equal(set!.writable, row.writable);
      assert.equal(set!.readable, row.readable);
      assert.equal(set!.problemDrives.length, row.lost);
    });
  }

  // 4 drives with EC:2 (write quorum 3, read quorum 2): one loss is already at write quorum
  const matrix4 = [
    { lost: 0, status: 'OK', readOnly: 1, unavailable: 2 },
    { lost: 1, status: 'CRITICAL', readOnly: 0, unavailable: 1 },
    { lost: 2, status: 'CRITICAL', readOnly: 0, unavailable: 0 },
    { lost: 3, status: 'CRITICAL', readOnly: 0, unavailable: 0 },
  ];
  for (const row of matrix4) {
    it(`4 drives EC:2 with ${row.lost} lost: ${row.status}`, () => {
      const [set] = assessHealth('e', snapshot(2, drives(0, 0, 4, row.lost), 4), new Date()).sets;
      assert.equal(set!.status, row.status);
      assert.equal(set!.canLoseBeforeReadOnly, row.readOnly);
      assert.equal(set!.canLoseBeforeUnavailable, row.unavailable);
    });
  }

  it('a deployment is as healthy as its worst set, and says which', () => {
    const report = assessHealth('e', snapshot(2, [...drives(0, 0, 6), ...drives(0, 1, 6, 1)], 6), new Date());
    assert.equal(report.status, 'WARNING');
    assert.match(report.summary, /1 of 2 erasure sets degraded; the weakest set \(pool 1, set 2\) can lose 1 more drive before read-only/);
    assert.equal(worstStatus(['OK', 'UNKNOWN', 'WARNING']), 'UNKNOWN');
    assert.equal(worstStatus(['UNKNOWN', 'CRITICAL']), 'CRITICAL');
  });

  it('counts a drive missing from the report against the set', () => {
    const report = assessHealth('e', snapshot(2, drives(0, 0, 5), 6), new Date());
    assert.equal(report.sets[0]!.drives, 6);
    assert.equal(report.sets[0]!.offline, 1);
  });

  it('a set without redundancy (one drive) is a WARNING while whole, CRITICAL when it is gone', () => {
    const whole = assessHealth('e', snapshot(0, drives(0, 0, 1), 1), new Date());
    assert.equal(whole.status, 'WARNING');
    assert.match(whole.summary, /^no redundancy \(1 drive, parity 0\)/);
    assert.equal(assessHealth('e', snapshot(0, drives(0, 0, 1, 1), 1), new Date()).status, 'CRITICAL');
  });

  it('healing drives make a full set a WARNING', () => {
    const all = drives(0, 0, 6);
    all[0]!.healing = true;
    assert.equal(assessHealth('e', snapshot(2, all, 6), new Date()).status, 'WARNING');
  });

  it('capacity after parity keeps D/N of the raw space', () => {
    const cap = assessHealth('e', snapshot(2, drives(0, 0, 4), 4), new Date()).capacity;
    assert.equal(cap.rawBytes, 400 * GiB);
    assert.equal(cap.usableBytes, 200 * GiB);
    assert.equal(cap.usableUsedBytes, 20 * GiB);
    assert.equal(cap.usableFreeBytes, 180 * GiB);
    const degraded = assessHealth('e', snapshot(2, drives(0, 0, 4, 1), 4), new Date()).capacity;
    assert.equal(degraded.drivesNotCounted, 1);
  });
});
