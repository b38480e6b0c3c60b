import type { WorkerInfo } from '../core/jobs/workers.ts';
import type { StoreStatus } from '../core/store/status.ts';
import { formatBytes } from './format.ts';
import { renderFields, renderTable } from './table.ts';

export function renderStoreStatus(status: StoreStatus): string {
  const lines = [
    renderFields([
      ['Backend', status.backend === 'postgres' ? 'PostgreSQL (shared by an encoder pool)' : 'SQLite (this host only)'],
      ['Location', status.location],
      [
        'Schema',
        status.upToDate
          ? 'current'
          : status.schema.some((s) => s.state === 'newer')
            ? 'NEWER than this mpegflow: upgrade mpegflow'
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
    ),
  ];
  if (status.hosts.length > 0) {
    lines.push(
      '',
      renderTable(
        ['HOST', 'ALIVE', 'DEAD', 'STOPPED', 'LAST SEEN'],
        status.hosts.map((h) => [h.host, h.alive, h.dead, h.stopped, h.lastSeen]),
      ),
    );
  }
  return lines.join('\n');
}

export function renderWorkers(workers: WorkerInfo[]): string {
  if (workers.length === 0) return 'No workers seen in the last 7 days. Start one with `mpegflow worker`.';
  return renderTable(
    ['HOST', 'WORKER', 'STATUS', 'RUNNING', 'DONE', 'FAILED', 'STORED', 'JOBS/H', 'HEARTBEAT', 'VERSION'],
    workers.map((w) => [
      w.host,
      w.id,
      w.status,
      w.running.length > 0 ? w.running.map((j) => `#${j.id}`).join(' ') : '-',
      w.jobsDone,
      w.jobsFailed,
      formatBytes(w.bytesStored),
      jobsPerHour(w),
      w.heartbeatAt,
      w.version,
    ]),
  );
}

/** Finished jobs per hour over the worker's life so far. */
export function jobsPerHour(worker: WorkerInfo): string {
  const hours = (Date.parse(worker.stoppedAt ?? worker.heartbeatAt) - Date.parse(worker.startedAt)) / 3_600_000;
  return hours > 0 ? (worker.jobsDone / hours).toFixed(1) : '-';
}
