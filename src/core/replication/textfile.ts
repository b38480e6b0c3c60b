import { gauge, type Row } from '../textfile.ts';
import { STATUS_EXIT_CODE } from '../health/quorum.ts';
import type { LagSample } from './watch.ts';

/** The watch's samples in node_exporter's textfile-collector format, one series per rule (edge and central labels). */
export function renderReplicationTextfile(samples: LagSample[]): string {
  const per = (value: (s: LagSample) => number | null): Row[] =>
    samples.flatMap((s): Row[] => {
      const v = value(s);
      return v === null ? [] : [[{ edge: s.edge, central: s.central }, v]];
    });
  return (
    [
      gauge(
        'mpegflow_replication_status',
        'Replication watch status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.',
        per((s) => STATUS_EXIT_CODE[s.status]),
      ),
      gauge(
        'mpegflow_replication_lag_seconds',
        'Replication lag measured with a canary; while a canary is on its way, how long it has waited.',
        per((s) => s.lagSeconds),
      ),
      gauge(
        'mpegflow_replication_backlog_objects',
        "Objects in the edge's replication queue.",
        per((s) => (s.error ? null : s.backlog.objects)),
      ),
      gauge(
        'mpegflow_replication_backlog_bytes',
        "Bytes in the edge's replication queue.",
        per((s) => (s.error ? null : s.backlog.bytes)),
      ),
      gauge(
        'mpegflow_replication_failed_last_hour',
        'Replications that failed in the last hour.',
        per((s) => (s.error ? null : s.failed.lastHour)),
      ),
      gauge(
        'mpegflow_replication_target_online',
        'Whether the central endpoint answers: 1 online, 0 offline.',
        per((s) => (s.targetOnline === null ? null : Number(s.targetOnline))),
      ),
    ].join('\n') + '\n'
  );
}
