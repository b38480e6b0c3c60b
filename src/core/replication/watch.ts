import { worstStatus, type HealthStatus } from '../health/quorum.ts';
import { errorSummary } from '../errors.ts';
import { storageFailure } from '../s3/errors.ts';
import { awaitCanary, removeCanary, writeCanary, type Canary } from './canary.ts';
import { fetchReplicationMetrics, targetMetrics } from './metrics.ts';
import type { ReplicationRecord } from './records.ts';
import type { ReplicationSides } from './sides.ts';
import { centralReady } from './status.ts';

export interface LagThresholds {
  warnSeconds: number;
  critSeconds: number;
}

/** One measurement of one rule: the canary's lag, the edge's queue and failures, against the thresholds. */
export interface LagSample {
  edge: string;
  central: string;
  at: string;
  status: HealthStatus;
  summary: string;
  /** The canary's lag once it arrived; while it is still on its way, how long it has waited so far. */
  lagSeconds: number | null;
  canaryArrived: boolean;
  backlog: { objects: number; bytes: number };
  failed: { lastMinute: number; lastHour: number };
  targetOnline: boolean | null;
  /** The remote target's bandwidth limit, bytes per second (null: none). */
  bandwidthLimit: number | null;
  error?: { code: string; message: string; suggestion?: string };
}

export function assessLag(
  facts: Pick<LagSample, 'lagSeconds' | 'canaryArrived' | 'failed' | 'targetOnline'> & { central: string },
  thresholds: LagThresholds,
): { status: HealthStatus; problems: string[] } {
  const problems: [HealthStatus, string][] = [];
  const lag = facts.lagSeconds ?? 0;
  const what = facts.canaryArrived ? `replication lag ${lag}s` : `the canary has waited ${lag}s and not arrived`;
  if (lag >= thresholds.critSeconds) problems.push(['CRITICAL', `${what} (critical at ${thresholds.critSeconds}s)`]);
  else if (lag >= thresholds.warnSeconds) problems.push(['WARNING', `${what} (warning at ${thresholds.warnSeconds}s)`]);
  if (facts.failed.lastMinute > 0) problems.push(['WARNING', `${facts.failed.lastMinute} replication(s) failed in the last minute`]);
  if (facts.targetOnline === false) problems.push(['WARNING', `central endpoint '${facts.central}' is offline`]);
  return { status: worstStatus(problems.map(([s]) => s)), problems: problems.map(([, m]) => m) };
}

/**
 * Measures one rule's replication lag round after round with canaries: a
 * canary stays outstanding until central has it, so while replication is
 * stalled the lag keeps growing from round to round; once it arrives it is
 * removed from both sides and the next round writes a new one.
 */
export class LagWatch {
  readonly #record: ReplicationRecord;
  readonly #sides: ReplicationSides;
  readonly #thresholds: LagThresholds;
  #canary: Canary | undefined;

  constructor(record: ReplicationRecord, sides: ReplicationSides, thresholds: LagThresholds) {
    this.#record = record;
    this.#sides = sides;
    this.#thresholds = thresholds;
  }

  /** One round: waits up to `waitMs` for the outstanding canary while reading the edge's metrics. */
  async round(waitMs: number): Promise<LagSample> {
    const r = this.#record;
    const { edge, central, edgeS3, centralS3 } = this.#sides;
    const names = { edge: `${r.edge}/${r.edgeBucket}`, central: `${r.central}/${r.centralBucket}` };
    try {
      this.#canary ??= await writeCanary(r, edgeS3);
      const canary = this.#canary;
      const [arrivedAt, wire, targetOnline] = await Promise.all([
        awaitCanary(r, centralS3, canary, { timeoutMs: waitMs }),
        fetchReplicationMetrics(edge, r.edgeBucket),
        centralReady(central),
      ]);
      if (arrivedAt !== null) {
        this.#canary = undefined;
        await removeCanary(r, edgeS3, centralS3, canary);
      }
      const m = targetMetrics(wire, r.targetArn);
      const facts = {
        lagSeconds: Math.round(((arrivedAt ?? Date.now()) - canary.writtenAt) / 100) / 10,
        canaryArrived: arrivedAt !== null,
        failed: { lastMinute: m.failed.lastMinute.count, lastHour: m.failed.lastHour.count },
        targetOnline,
      };
      const { status, problems } = assessLag({ ...facts, central: r.central }, this.#thresholds);
      return {
        ...names,
        at: new Date().toISOString(),
        status,
        summary: problems.length ? problems.join('; ') : `replication lag ${facts.lagSeconds}s`,
        ...facts,
        backlog: { objects: m.queued.count, bytes: m.queued.bytes },
        bandwidthLimit: m.bandwidthLimit,
      };
    } catch (error) {
      const mapped = storageFailure(error, { alias: r.edge, path: names.edge, action: 'measure replication of' });
      if (mapped.kind === 'bug') throw mapped;
      return {
        ...names,
        at: new Date().toISOString(),
        status: 'UNKNOWN',
        summary: mapped.message,
        lagSeconds: null,
        canaryArrived: false,
        backlog: { objects: 0, bytes: 0 },
        failed: { lastMinute: 0, lastHour: 0 },
        targetOnline: null,
        bandwidthLimit: null,
        error: errorSummary(mapped),
      };
    }
  }

  /** Removes a canary still on its way, so stopping the watch leaves nothing behind. */
  async close(): Promise<void> {
    if (!this.#canary) return;
    const canary = this.#canary;
    this.#canary = undefined;
    await removeCanary(this.#record, this.#sides.edgeS3, this.#sides.centralS3, canary).catch(() => false);
  }
}
