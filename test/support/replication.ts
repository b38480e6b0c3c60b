import type { LagSample } from '../../src/core/replication/watch.ts';

/** A watch round of edge1/ingest -> central/masters with central unreachable; tests override what they look at. */
export function lagSample(over: Partial<LagSample> = {}): LagSample {
  return {
    edge: 'edge1/ingest',
    central: 'central/masters',
    at: '2026-11-26T00:00:00Z',
    status: 'CRITICAL',
    summary: 'the canary has waited 700s and not arrived (critical at 600s)',
    lagSeconds: 700,
    canaryArrived: false,
    backlog: { objects: 4, bytes: 4096 },
    failed: { lastMinute: 1, lastHour: 5 },
    targetOnline: false,
    bandwidthLimit: 104857600,
    ...over,
  };
}
