import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleStatus } from '../../../src/core/replication/status.ts';
import {
  refreshFrame,
  renderLagSamples,
  renderResyncOutcome,
  renderResyncPlan,
  renderSetupOutcome,
  renderSetupPlan,
  renderStatus,
} from '../../../src/ui/replication.ts';
import { lagSample } from '../../support/replication.ts';

const rule: RuleStatus = {
  edge: 'edge1',
  edgeBucket: 'ingest',
  central: 'central',
  centralBucket: 'masters',
  ruleId: 'mpegflow-to-central-masters',
  status: 'WARNING',
  summary: '3 object(s) waiting, the oldest for 75s',
  source: 'objects',
  ruleOnServer: true,
  targetOnline: false,
  targetHealth: null,
  counts: { replicated: 10, pending: 3, failed: 0 },
  bytes: { replicated: 2048, pending: 300, failed: 0 },
  oldestPendingSeconds: 75,
  metrics: null,
  objects: { walked: 13, other: 0, oldestPending: [{ key: 'day1/a.mov', lastModified: '2026-11-26T00:00:00.000Z' }], oldestFailed: [] },
  lastError: null,
};

const sample = lagSample();

const hasBorders = (text: string) => /[┌│─]/.test(text);

describe('replication rendering', () => {
  it('status: a table with borders on a terminal, plain columns in a log; problems and oldest keys below', () => {
    for (const tty of [true, false]) {
      const text = renderStatus({ status: 'WARNING', rules: [rule] }, tty);
      assert.equal(hasBorders(text), tty);
      assert.match(text, /edge1\/ingest +│? *central\/masters +│? *WARNING +│? *OFFLINE +│? *10 \(2\.0 KiB\) +│? *3 \(300 B\)/);
      assert.match(text, /edge1\/ingest -> central\/masters: 3 object\(s\) waiting, the oldest for 75s/);
      assert.match(text, /edge1\/ingest oldest waiting: day1\/a\.mov \(2026-11-26T00:00:00\.000Z\)/);
      assert.match(text, /Overall: WARNING$/);
    }
  });
  it('status from the metrics names its columns for what they count', () => {
    const text = renderStatus({ status: 'OK', rules: [{ ...rule, source: 'metrics', objects: null, status: 'OK' }] }, false);
    assert.match(text, /REPLICATED SINCE START +QUEUED +FAILED \(1 H\)/);
    assert.doesNotMatch(text, /oldest waiting:/);
  });
  it('watch: lag with + while the canary is on its way, failures per minute and hour, the limit', () => {
    for (const tty of [true, false]) {
      const text = renderLagSamples([sample], tty);
      assert.equal(hasBorders(text), tty);
      assert.match(text, /CRITICAL +│? *700s\+ +│? *4 \(4\.0 KiB\) +│? *1\/5 +│? *OFFLINE +│? *100\.0 MiB\/s/);
      assert.match(text, /edge1\/ingest -> central\/masters: the canary has waited 700s/);
    }
  });
  it('a refreshing view clears the screen on a terminal and stamps each frame in a log', () => {
    assert.equal(refreshFrame('body', true), '\x1b[2J\x1b[Hbody\n');
    assert.equal(refreshFrame('body', false, new Date('2026-11-26T01:02:03Z')), '--- 2026-11-26T01:02:03.000Z\nbody\n');
  });
  it('setup: the plan, then what happened', () => {
    const plan = {
      edge: { endpoint: 'edge1', bucket: 'ingest' },
      central: { endpoint: 'central', bucket: 'masters' },
      settings: rule as never,
      ruleId: 'mpegflow-to-central-masters',
      facts: ['versioning is enabled on edge1/ingest'],
      steps: [{ action: 'put-rule' as const, where: 'edge1/ingest', detail: 'add replication rule mpegflow-to-central-masters' }],
      targetArn: null,
    };
    assert.equal(
      renderSetupPlan(plan),
      'Replication edge1/ingest -> central/masters (rule mpegflow-to-central-masters)\n  in place: versioning is enabled on edge1/ingest\n  to do:    edge1/ingest: add replication rule mpegflow-to-central-masters',
    );
    assert.equal(renderSetupOutcome({ dryRun: true, applied: [], edge: plan.edge }), 'Dry run: nothing was changed.');
    assert.equal(renderSetupOutcome({ dryRun: false, applied: [], edge: plan.edge }), 'Nothing to change: replication is set up as asked.');
    assert.match(renderSetupOutcome({ dryRun: false, applied: plan.steps, edge: plan.edge }), /^Done: 1 change\(s\) applied/);
  });
  it('resync: the plan and the started resyncs, with and without a terminal', () => {
    const entry = {
      edge: 'edge1/ingest',
      central: 'central/masters',
      targetArn: 'arn:x',
      failedLastHour: 5,
      failedSinceStart: 7,
      previous: null,
    };
    const state = {
      arn: 'arn:x',
      resetId: 'r1',
      status: 'Completed',
      startTime: null,
      endTime: '2026-11-26T00:00:00Z',
      replicated: { count: 5, bytes: 15 },
      failed: { count: 0, bytes: 0 },
    };
    for (const tty of [true, false]) {
      const plan = renderResyncPlan([entry], tty);
      assert.equal(hasBorders(plan), tty);
      assert.match(plan, /edge1\/ingest +│? *central\/masters +│? *5 +│? *7 +│? *never/);
      assert.match(renderResyncOutcome({ dryRun: false, resyncs: [state] }, tty), /arn:x +│? *r1 +│? *Completed +│? *5 \(15 B\)/);
    }
    assert.equal(renderResyncOutcome({ dryRun: true, resyncs: [] }, false), 'Dry run: nothing was re-queued.');
  });
});
