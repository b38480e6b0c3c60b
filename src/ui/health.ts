import type { CapacityReport } from '../core/health/capacity-report.ts';
import type { HealthResult } from '../core/health/check.ts';
import type { HealthReport } from '../core/health/model.ts';
import { formatBytes } from './format.ts';
import { renderFields, renderTable } from './table.ts';

/** `health`: each deployment's report (or why it could not be asked), and the overall status when there are several. */
export function renderHealthResult(result: HealthResult, tty = Boolean(process.stdout.isTTY)): string {
  const blocks = result.endpoints.map((e) =>
    'sets' in e
      ? renderHealthReport(e, tty)
      : `${e.endpoint}: UNKNOWN - ${e.error.message}${e.error.suggestion ? `\n  Try: ${e.error.suggestion}` : ''}`,
  );
  return blocks.join('\n\n') + (result.endpoints.length > 1 ? `\n\nOverall: ${result.status}` : '');
}

function renderHealthReport(report: HealthReport, tty = Boolean(process.stdout.isTTY)): string {
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
      tty,
    ),
  );
  const problems = report.sets.flatMap((s) =>
    s.problemDrives.map((d) => [s.pool + 1, s.set + 1, d.node, d.path, d.healing ? `healing (${d.state})` : d.state]),
  );
  if (problems.length > 0) {
    lines.push('  drives needing attention:');
    lines.push(renderTable(['POOL', 'SET', 'NODE', 'PATH', 'STATE'], problems, tty));
  }
  const c = report.capacity;
  lines.push(
    `  capacity: ${formatBytes(c.usableBytes)} usable after parity (${formatBytes(c.rawBytes)} raw), ${formatBytes(c.usableUsedBytes)} used, ${formatBytes(c.usableFreeBytes)} free${c.drivesNotCounted ? ` (${c.drivesNotCounted} offline drive${c.drivesNotCounted === 1 ? '' : 's'} not counted)` : ''}`,
  );
  return lines.join('\n');
}

/** `capacity`: raw and usable space, use, and the forecast of when it is full. */
export function renderCapacityReport(r: CapacityReport): string {
  const f = r.forecast;
  const forecast =
    f.kind === 'full-in'
      ? `full in ${f.days} days (${f.fullAt.slice(0, 10)}) at ${formatBytes(f.growthBytesPerDay)}/day, from ${f.samples} samples over ${f.spanDays} days`
      : f.kind === 'not-growing'
        ? `not growing (${formatBytes(f.growthBytesPerDay)}/day over ${f.spanDays} days)`
        : `too little history: ${f.samples} sample${f.samples === 1 ? '' : 's'} over ${f.spanDays} days, need ${f.needed}`;
  return renderFields([
    ['Endpoint', r.endpoint],
    ['Parity', r.parity],
    ['Raw', formatBytes(r.capacity.rawBytes)],
    ['Usable', `${formatBytes(r.capacity.usableBytes)} after parity`],
    ['Used', `${formatBytes(r.capacity.usableUsedBytes)} (${r.usedPercent}%)`],
    ['Free', formatBytes(r.capacity.usableFreeBytes)],
    ['Forecast', forecast],
    ...(r.capacity.drivesNotCounted
      ? ([['Note', `${r.capacity.drivesNotCounted} offline drive(s) not counted`]] as [string, string][])
      : []),
  ]);
}
