import { gauge, type Row } from '../textfile.ts';
import type { QueueMetrics } from './queue-metrics.ts';

/** `job metrics --textfile`: the queue beside health, replication and license, for node_exporter. */
export function renderQueueTextfile(metrics: QueueMetrics): string {
  const workers = (value: (w: QueueMetrics['workers'][number]) => number): Row[] =>
    metrics.workers.map((w) => [{ worker: w.id, host: w.host }, value(w)]);
  return (
    [
      gauge(
        'mpegflow_jobs',
        'Jobs in the queue, by state.',
        Object.entries(metrics.jobs).map(([state, n]): Row => [{ state }, n]),
      ),
      gauge('mpegflow_queue_oldest_job_age_seconds', 'Age of the oldest queued job (0 when none waits).', [
        [{}, metrics.oldestQueuedSeconds ?? 0],
      ]),
      gauge(
        'mpegflow_job_attempts_last_hour',
        'Attempts that ended in the last hour, by outcome (lost: the lease ran out).',
        Object.entries(metrics.lastHour).map(([outcome, n]): Row => [{ outcome }, n]),
      ),
      gauge(
        'mpegflow_worker_up',
        'Whether the worker beats: 1 alive, 0 dead or stopped (workers seen in the last day).',
        workers((w) => (w.status === 'alive' ? 1 : 0)),
      ),
      gauge(
        'mpegflow_worker_heartbeat_age_seconds',
        "Seconds since the worker's last heartbeat, by the store's clock.",
        workers((w) => w.heartbeatAgeSeconds),
      ),
    ].join('\n') + '\n'
  );
}
