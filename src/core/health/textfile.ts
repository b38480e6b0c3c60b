import { gauge, type Row } from '../textfile.ts';
import type { HealthReport, SetHealth } from './model.ts';
import { STATUS_EXIT_CODE, type HealthStatus } from './quorum.ts';

/** node_exporter textfile-collector format. Status follows the exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
export function renderTextfile(results: (HealthReport | { endpoint: string; status: HealthStatus })[]): string {
  const reports = results.filter((r): r is HealthReport => 'sets' in r);
  const perDeployment = (value: (r: HealthReport) => number): Row[] => reports.map((r) => [{ endpoint: r.endpoint }, value(r)]);
  const perSet = (value: (s: SetHealth) => number): Row[] =>
    reports.flatMap((r) => r.sets.map((s): Row => [{ endpoint: r.endpoint, pool: s.pool + 1, set: s.set + 1 }, value(s)]));
  return (
    [
      gauge(
        'mpegflow_health_status',
        'Deployment health: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.',
        perDeployment((r) => STATUS_EXIT_CODE[r.status]),
      ),
      gauge(
        'mpegflow_drives_online',
        'Drives online.',
        perDeployment((r) => r.drives.online),
      ),
      gauge(
        'mpegflow_drives_offline',
        'Drives offline.',
        perDeployment((r) => r.drives.offline),
      ),
      gauge(
        'mpegflow_drives_healing',
        'Drives healing.',
        perDeployment((r) => r.drives.healing),
      ),
      gauge(
        'mpegflow_erasure_set_status',
        'Erasure set health: 0 OK, 1 WARNING, 2 CRITICAL.',
        perSet((s) => STATUS_EXIT_CODE[s.status]),
      ),
      gauge(
        'mpegflow_erasure_set_drives_online',
        'Drives online in the erasure set.',
        perSet((s) => s.online),
      ),
      gauge(
        'mpegflow_erasure_set_margin_read_only',
        'More drives the set can lose before it stops accepting writes.',
        perSet((s) => s.canLoseBeforeReadOnly),
      ),
      gauge(
        'mpegflow_erasure_set_margin_unavailable',
        'More drives the set can lose before objects become unreadable.',
        perSet((s) => s.canLoseBeforeUnavailable),
      ),
      gauge(
        'mpegflow_capacity_raw_bytes',
        'Raw capacity of the online drives.',
        perDeployment((r) => r.capacity.rawBytes),
      ),
      gauge(
        'mpegflow_capacity_usable_bytes',
        'Usable capacity after parity.',
        perDeployment((r) => r.capacity.usableBytes),
      ),
      gauge(
        'mpegflow_capacity_usable_used_bytes',
        'Usable capacity in use.',
        perDeployment((r) => r.capacity.usableUsedBytes),
      ),
    ].join('\n') + '\n'
  );
}
