import type { QueueMetrics } from '../core/jobs/queue-metrics.ts';
import type { WorkerInfo } from '../core/jobs/workers.ts';
import type { ImportResult } from '../core/store/import.ts';
import type { DbMigrateResult, StoreStatus } from '../core/store/status.ts';
import { formatBytes } from './format.ts';
import { renderFields, renderTable } from './table.ts';

export function renderStoreStatus(status: StoreStatus, tty = Boolean(process.stdout.isTTY)): string {
  const lines = [
    renderFields([
      ['Backend', status.backend === 'postgres' ? 'PostgreSQL (shared by an encoder pool)' : 'SQLite (this host only)'],
      ['Location', status.location],
      [
        'Schema',
        status.upToDate
          ? 'current'
          : status.schema.some((s) => s.state === 'newer')
            ? 'NEWER than this mpegflow, past a breaking change: upgrade mpegflow on this host'
            : status.schema.some((s) => s.state === 'newer-usable')
              ? 'newer than this mpegflow, changed additively: this host may go on; upgrade it when you can'
              : 'needs `mpegflow db migrate`',
      ],
      [
        'Queue',
        Object.entries(status.queue)
          .map(([state, n]) => `${n} ${state}`)
          .join(', '),
      ],
      ['Audit entries', status.auditEntries],
    ]),
    '',
    renderTable(
      ['AREA', 'APPLIED', 'THIS VERSION', 'STATE'],
      status.schema.map((s) => [s.area, s.applied, s.known, s.state]),
      tty,
    ),
  ];
  if (status.hosts.length > 0) {
    lines.push(
      '',
      renderTable(
        ['HOST', 'ALIVE', 'DEAD', 'STOPPED', 'LAST SEEN', 'VERSION', 'CAN RUN'],
        status.hosts.map((h) => [
          h.host,
          h.alive,
          h.dead,
          h.stopped,
          h.lastSeen,
          h.version,
          h.canRun === null ? 'unknown' : h.canRun ? 'yes' : 'no',
        ]),
        tty,
      ),
    );
  }
  return lines.join('\n');
}

export function renderWorkers(workers: WorkerInfo[], tty = Boolean(process.stdout.isTTY)): string {
  if (workers.length === 0) return 'No workers seen in the last 7 days. Start one with `mpegflow worker`.';
  return renderTable(
    ['HOST', 'WORKER', 'MODE', 'STATUS', 'RUNNING', 'DONE', 'FAILED', 'STORED', 'JOBS/H', 'HEARTBEAT', 'VERSION'],
    workers.map((w) => [
      w.host,
      w.id,
      w.mode,
      w.status,
      w.running.length > 0 ? w.running.map((j) => `#${j.id}`).join(' ') : '-',
      w.jobsDone,
      w.jobsFailed,
      formatBytes(w.bytesStored),
      jobsPerHour(w),
      w.heartbeatAt,
      w.version,
    ]),
    tty,
  );
}

/** `db migrate`: what it applied, then the status. */
export function renderMigrated(result: DbMigrateResult, tty = Boolean(process.stdout.isTTY)): string {
  return `${result.applied > 0 ? `Applied ${result.applied} migration(s).` : 'The schema was already current.'}\n${renderStoreStatus(result, tty)}`;
}

/** `db import`: what moved from this host's SQLite file into the pool's database. */
export function renderStoreImport(r: ImportResult): string {
  return `${renderFields([
    ['From', r.from],
    ['To', r.to],
    ['Endpoints', `${r.endpoints.imported.length} imported, ${r.endpoints.skipped.length} already there`],
    ['Secrets kept on this host', r.endpoints.secretsKeptOnHost.join(', ') || '-'],
    ['Jobs', `${r.jobs.imported} imported, ${r.jobs.skipped} already there`],
    [
      'Audit entries',
      r.audit.skipped ? 'left out (--without-audit)' : `${r.audit.imported} imported, ${r.audit.alreadyThere} already there`,
    ],
    ['Replication rules', r.replicationRules],
    ['Routes', r.routes],
    ['Health samples', r.healthSamples],
    ['License', r.license.installed ? 'installed' : 'unchanged'],
  ])}\n\nCheck the shared chain with: mpegflow audit verify`;
}

/** Finished jobs per hour over the worker's life so far. */
export function jobsPerHour(worker: WorkerInfo): string {
  const hours = (Date.parse(worker.stoppedAt ?? worker.heartbeatAt) - Date.parse(worker.startedAt)) / 3_600_000;
  return hours > 0 ? (worker.jobsDone / hours).toFixed(1) : '-';
}

/** `job metrics`: the queue's figures, as the textfile has them. */
export function renderQueueMetrics(metrics: QueueMetrics): string {
  const age = metrics.oldestQueuedSeconds;
  const alive = metrics.workers.filter((w) => w.status === 'alive').length;
  return renderFields([
    [
      'Jobs',
      Object.entries(metrics.jobs)
        .map(([state, n]) => `${n} ${state}`)
        .join(', '),
    ],
    ['Oldest queued', age === null ? 'none queued' : `${age} s ago`],
    ['Last hour', `${metrics.lastHour.done} done, ${metrics.lastHour.failed} failed, ${metrics.lastHour.lost} lost leases`],
    ['Workers', `${alive} alive of ${metrics.workers.length} seen in the last day`],
  ]);
}
