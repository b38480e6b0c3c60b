import type { HealthStatus } from '../core/health/quorum.ts';
import type { InventoryEntry } from '../core/replication/inventory.ts';
import type { ResyncPlanEntry, ResyncState } from '../core/replication/resync.ts';
import type { PlanStep, ReplicationPlan } from '../core/replication/setup.ts';
import type { RuleStatus } from '../core/replication/status.ts';
import type { LagSample } from '../core/replication/watch.ts';
import { formatBytes } from './format.ts';
import { renderTable } from './table.ts';

const CLEAR_SCREEN = '\x1b[2J\x1b[H';

/** A refreshing view: on a terminal each frame replaces the last; in a log, frames follow each other under a timestamp. */
export function refreshFrame(body: string, tty = Boolean(process.stdout.isTTY), at = new Date()): string {
  return tty ? `${CLEAR_SCREEN}${body}\n` : `--- ${at.toISOString()}\n${body}\n`;
}

/** `replicate list`: each edge that could not be read (once, for stderr), then the rules and their state. */
export function renderRuleInventory(rules: Omit<InventoryEntry, 'record'>[]): { unread: string; rules: string } {
  const unread = new Map(rules.flatMap((r) => (r.error ? [[r.edge, r.error] as const] : [])));
  return {
    unread: [...unread.values()].map((e) => `Error: ${e.message}\n${e.suggestion ? `  Try: ${e.suggestion}\n` : ''}`).join(''),
    rules:
      rules.length === 0
        ? 'No replication rules. Set one up with `mpegflow replicate setup EDGE/BUCKET CENTRAL/BUCKET`.'
        : renderTable(
            ['EDGE', 'RULE', 'DESTINATION', 'STATE'],
            rules.filter((r) => r.ruleId).map((r) => [`${r.edge}/${r.edgeBucket}`, r.ruleId, r.destination, r.state]),
          ),
  };
}

export function renderSetupPlan(plan: ReplicationPlan): string {
  return [
    `Replication ${plan.edge.endpoint}/${plan.edge.bucket} -> ${plan.central.endpoint}/${plan.central.bucket} (rule ${plan.ruleId})`,
    ...plan.facts.map((fact) => `  in place: ${fact}`),
    ...plan.steps.map((step) => `  to do:    ${step.where}: ${step.detail}`),
  ].join('\n');
}

export function renderSetupOutcome(result: { dryRun: boolean; applied: PlanStep[]; edge: ReplicationPlan['edge'] }): string {
  if (result.dryRun) return 'Dry run: nothing was changed.';
  if (result.applied.length === 0) return 'Nothing to change: replication is set up as asked.';
  return `Done: ${result.applied.length} change(s) applied. Check it with: mpegflow replicate verify ${result.edge.endpoint}/${result.edge.bucket}`;
}

const online = (value: boolean | null) => (value === null ? '?' : value ? 'online' : 'OFFLINE');
const amount = (count: number, bytes: number) => `${count} (${formatBytes(bytes)})`;

export function renderStatus(result: { status: HealthStatus; rules: RuleStatus[] }, tty = Boolean(process.stdout.isTTY)): string {
  const deep = result.rules.some((r) => r.source === 'objects');
  const lines = [
    renderTable(
      [
        'EDGE',
        'CENTRAL',
        'STATUS',
        'TARGET',
        deep ? 'REPLICATED' : 'REPLICATED SINCE START',
        deep ? 'PENDING' : 'QUEUED',
        deep ? 'FAILED' : 'FAILED (1 H)',
        'OLDEST WAITING',
      ],
      result.rules.map((r) => [
        `${r.edge}/${r.edgeBucket}`,
        `${r.central}/${r.centralBucket}`,
        r.status,
        online(r.targetOnline),
        amount(r.counts.replicated, r.bytes.replicated),
        amount(r.counts.pending, r.bytes.pending),
        amount(r.counts.failed, r.bytes.failed),
        r.oldestPendingSeconds === null ? '-' : `${r.oldestPendingSeconds}s`,
      ]),
      tty,
    ),
  ];
  for (const r of result.rules.filter((x) => x.status !== 'OK'))
    lines.push(`${r.edge}/${r.edgeBucket} -> ${r.central}/${r.centralBucket}: ${r.summary}`);
  for (const r of result.rules) {
    for (const [label, keys] of [
      ['oldest waiting', r.objects?.oldestPending ?? []],
      ['oldest failed', r.objects?.oldestFailed ?? []],
    ] as const)
      if (keys.length) lines.push(`${r.edge}/${r.edgeBucket} ${label}: ${keys.map((k) => `${k.key} (${k.lastModified})`).join(', ')}`);
  }
  lines.push(`Overall: ${result.status}`);
  return lines.join('\n');
}

export function renderLagSamples(samples: LagSample[], tty = Boolean(process.stdout.isTTY)): string {
  return [
    renderTable(
      ['EDGE', 'CENTRAL', 'STATUS', 'LAG', 'BACKLOG', 'FAILED 1M/1H', 'TARGET', 'BANDWIDTH LIMIT'],
      samples.map((s) => [
        s.edge,
        s.central,
        s.status,
        s.lagSeconds === null ? '?' : `${s.lagSeconds}s${s.canaryArrived ? '' : '+'}`,
        amount(s.backlog.objects, s.backlog.bytes),
        `${s.failed.lastMinute}/${s.failed.lastHour}`,
        online(s.targetOnline),
        s.bandwidthLimit === null ? 'none' : `${formatBytes(s.bandwidthLimit)}/s`,
      ]),
      tty,
    ),
    ...samples.filter((s) => s.status !== 'OK').map((s) => `${s.edge} -> ${s.central}: ${s.summary}`),
  ].join('\n');
}

export function renderResyncPlan(plan: ResyncPlanEntry[], tty = Boolean(process.stdout.isTTY)): string {
  return [
    'Resync plan: MinIO walks each edge bucket and sends again what central lacks, failed objects included.',
    renderTable(
      ['EDGE', 'CENTRAL', 'FAILED (1 H)', 'FAILED SINCE START', 'LAST RESYNC'],
      plan.map((p) => [
        p.edge,
        p.central,
        p.failedLastHour,
        p.failedSinceStart,
        p.previous ? `${p.previous.status ?? 'started'} ${p.previous.endTime ?? p.previous.startTime ?? ''}`.trim() : 'never',
      ]),
      tty,
    ),
  ].join('\n');
}

export function renderResyncOutcome(result: { dryRun: boolean; resyncs: ResyncState[] }, tty = Boolean(process.stdout.isTTY)): string {
  if (result.dryRun) return 'Dry run: nothing was re-queued.';
  return renderTable(
    ['TARGET', 'RESYNC ID', 'STATE', 'RESENT', 'FAILED'],
    result.resyncs.map((s) => [
      s.arn,
      s.resetId,
      s.status ?? 'queued',
      amount(s.replicated.count, s.replicated.bytes),
      amount(s.failed.count, s.failed.bytes),
    ]),
    tty,
  );
}
