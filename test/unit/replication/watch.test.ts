import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSpan, parseSeconds } from '../../../src/core/time-span.ts';
import { resyncState } from '../../../src/core/replication/resync.ts';
import { renderReplicationTextfile } from '../../../src/core/replication/textfile.ts';
import { assessLag } from '../../../src/core/replication/watch.ts';
import { lagSample } from '../../support/replication.ts';

const thresholds = { warnSeconds: 120, critSeconds: 600 };
const calm = { lagSeconds: 0.4, canaryArrived: true, failed: { lastMinute: 0, lastHour: 0 }, targetOnline: true, central: 'central' };

describe('the RPO watchdog thresholds', () => {
  it('OK under --warn, WARNING from it, CRITICAL from --crit', () => {
    assert.equal(assessLag(calm, thresholds).status, 'OK');
    assert.equal(assessLag({ ...calm, lagSeconds: 120 }, thresholds).status, 'WARNING');
    assert.equal(assessLag({ ...calm, lagSeconds: 600 }, thresholds).status, 'CRITICAL');
  });
  it('a canary still on its way says so', () => {
    const { problems } = assessLag({ ...calm, lagSeconds: 700, canaryArrived: false, targetOnline: false }, thresholds);
    assert.deepEqual(problems, ['the canary has waited 700s and not arrived (critical at 600s)', "central endpoint 'central' is offline"]);
  });
  it('failures in the last minute warn even when the lag is small', () => {
    assert.equal(assessLag({ ...calm, failed: { lastMinute: 2, lastHour: 2 } }, thresholds).status, 'WARNING');
  });
});

describe('the Prometheus textfile of the watch', () => {
  const sample = lagSample({
    status: 'WARNING',
    lagSeconds: 130.5,
    backlog: { objects: 12, bytes: 3000 },
    failed: { lastMinute: 0, lastHour: 1 },
    bandwidthLimit: null,
  });
  it('one series per rule, labelled by edge and central', () => {
    const text = renderReplicationTextfile([sample]);
    const labels = '{edge="edge1/ingest",central="central/masters"}';
    for (const line of [
      `mpegflow_replication_status${labels} 1`,
      `mpegflow_replication_lag_seconds${labels} 130.5`,
      `mpegflow_replication_backlog_objects${labels} 12`,
      `mpegflow_replication_backlog_bytes${labels} 3000`,
      `mpegflow_replication_failed_last_hour${labels} 1`,
      `mpegflow_replication_target_online${labels} 0`,
    ])
      assert.ok(text.split('\n').includes(line), `${line}\n${text}`);
    assert.match(text, /# TYPE mpegflow_replication_lag_seconds gauge/);
  });
  it('an edge that could not be read has a status and no figures', () => {
    const text = renderReplicationTextfile([
      { ...sample, status: 'UNKNOWN', lagSeconds: null, targetOnline: null, error: { code: 'UNREACHABLE', message: 'x' } },
    ]);
    assert.match(text, /mpegflow_replication_status\{[^}]*\} 3/);
    assert.doesNotMatch(text, /mpegflow_replication_(lag_seconds|backlog_objects|target_online)\{/);
  });
});

describe('time spans (--warn, --crit, --interval)', () => {
  it('reads seconds, minutes, hours and bare numbers', () => {
    assert.deepEqual(
      ['90', '90s', '2m', '1h30m', '1.5m'].map((t) => parseSeconds(t, '--warn')),
      [90, 90, 120, 5400, 90],
    );
  });
  it('writes a span back as it would be typed', () => {
    assert.deepEqual([5, 60, 90, 3600, 5400, 86_400 + 1, 0.5].map(formatSpan), ['5s', '1m', '1m30s', '1h', '1h30m', '1d1s', '0.5s']);
    for (const text of ['90s', '2m', '1h30m', '2w'])
      assert.equal(formatSpan(parseSeconds(text, '--warn')), text === '90s' ? '1m30s' : text);
  });
  it('refuses what is not a span, naming the flag', () => {
    for (const bad of ['', '0', 'soon', '2x', '5m3']) assert.throws(() => parseSeconds(bad, '--crit'), /--crit '.*' is not a time span/);
  });
});

describe('resync status (GET ?replication-reset-status)', () => {
  it("reads MinIO's document; the zero time is no time", () => {
    assert.deepEqual(
      resyncState({
        arn: 'arn:x',
        resetid: 'r1',
        startTime: '0001-01-01T00:00:00Z',
        endTime: '0001-01-01T00:00:00Z',
        completedReplicationSize: 0,
        replicationCount: 0,
      }),
      {
        arn: 'arn:x',
        resetId: 'r1',
        status: null,
        startTime: null,
        endTime: null,
        replicated: { count: 0, bytes: 0 },
        failed: { count: 0, bytes: 0 },
      },
    );
    const done = resyncState({
      arn: 'arn:x',
      resetid: 'r1',
      resyncStatus: 'Completed',
      endTime: '2026-11-26T00:24:51Z',
      replicationCount: 3,
      completedReplicationSize: 12,
    });
    assert.deepEqual([done.status, done.endTime, done.replicated.count], ['Completed', '2026-11-26T00:24:51Z', 3]);
  });
});
