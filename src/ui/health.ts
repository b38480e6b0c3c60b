import type { HealthReport } from '../core/health/model.ts';
import { formatBytes } from './format.ts';
import { renderTable } from './table.ts';

export function renderHealthReport(report: HealthReport): string {
  const lines = [
    `${report.endpoint}: ${report.status} - ${report.summary}`,
    `  MinIO ${report.version ?? '?'} (${report.mode}), ${report.nodes.total} node${report.nodes.total === 1 ? '' : 's'}, parity ${report.parity.standard}${report.parity.reducedRedundancy ? ` (reduced redundancy ${report.parity.reducedRedundancy})` : ''}`,
    `  drives: ${report.drives.online}/${report.drives.total} online, ${report.drives.offline} offline, ${report.drives.healing} healing`,
  ];
  if (report.nodes.offline.length > 0) lines.push(`  nodes down: ${report.nodes.offline.join(', ')}`);
  lines.push(
    renderTable(
      ['POOL', 'SET', 'STATUS', 'ONLINE', 'HEALING', 'PARITY', 'R/W QUORUM', 'LOSE BEFORE READ-ONLY', 'LOSE BEFORE UNAVAILABLE'],
      report.sets.map((s) => [
        s.pool + 1,
        s.set + 1,
        s.status,
        `${s.online}/${s.drives}`,
        s.healing,
        `EC:${s.parity}`,
        `${s.readQuorum}/${s.writeQuorum}`,
        s.canLoseBeforeReadOnly,
        s.canLoseBeforeUnavailable,
      ]),
    ),
  );
  const problems = report.sets.flatMap((s) =>
    s.problemDrives.map((d) => [s.pool + 1, s.set + 1, d.node, d.path, d.healing ? `healing (${d.state})` : d.state]),
  );
  if (problems.length > 0) {
    lines.push('  drives needing attention:');
    lines.push(renderTable(['POOL', 'SET', 'NODE', 'PATH', 'STATE'], problems));
  }
  const c = report.capacity;
  lines.push(
    `  capacity: ${formatBytes(c.usableBytes)} usable after parity (${formatBytes(c.rawBytes)} raw), ${formatBytes(c.usableUsedBytes)} used, ${formatBytes(c.usableFreeBytes)} free${c.drivesNotCounted ? ` (${c.drivesNotCounted} offline drive${c.drivesNotCounted === 1 ? '' : 's'} not counted)` : ''}`,
  );
  return lines.join('\n');
}
