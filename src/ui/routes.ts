import type { Route } from '../core/routing/model.ts';
import { formatMatch } from '../core/notation.ts';
import type { RetentionSpec } from '../core/routing/model.ts';
import type { RouteTestResult } from '../core/routing/explain.ts';
import { renderFields, renderTable } from './table.ts';

function describeTargets(route: Route): string {
  return route.targets.map((t) => `${t.preset} -> ${t.to}${t.retained ? ' (retained)' : ''}`).join('; ');
}

function renderRouteTable(routes: Route[], tty = Boolean(process.stdout.isTTY)): string {
  return renderTable(
    ['NAME', 'PRIORITY', 'MATCH', 'PRESETS -> DESTINATIONS', 'RETENTION'],
    routes.map((r) => [r.name, r.priority, formatMatch(r.match), describeTargets(r), formatRetention(r.retention)]),
    tty,
  );
}

/** `route list`, or how to add the first one. */
export function renderRouteList(routes: Route[], tty = Boolean(process.stdout.isTTY)): string {
  if (routes.length === 0) return 'No routes. Add one with `mpegflow route add NAME --match customer=C --preset P --to TEMPLATE`.';
  return renderRouteTable(routes, tty);
}

/** `route add`: the rule as saved, and how to try it. */
export function renderRouteSaved(route: Route): string {
  return `Route '${route.name}' saved.\n${renderRoute(route)}\n\nSee what it does with a source: mpegflow route test ALIAS/BUCKET/KEY --customer C --class K`;
}

/** `route remove`. */
export function renderRouteRemoved(route: Route): string {
  return `Route '${route.name}' removed.`;
}

export function renderRoute(route: Route): string {
  return renderFields([
    ['Name', route.name],
    ['Priority', route.priority],
    ['Match', formatMatch(route.match)],
    ...route.targets.map((t, i): [string, string] => [
      i === 0 ? 'Targets' : '',
      `${t.preset} -> ${t.to}${t.retained && route.retention ? `  [${formatRetention(route.retention)}]` : ''}`,
    ]),
    ['Retention', formatRetention(route.retention)],
    ['Added', route.createdAt],
    ['Updated', route.updatedAt],
  ]);
}

export function renderRouteTest(result: RouteTestResult, tty = Boolean(process.stdout.isTTY)): string {
  const { facts } = result;
  const origin = (field: 'customer' | 'class') => (facts.origin?.[field] ? ` (from ${facts.origin[field]})` : '');
  const lines = [
    `Source    ${result.source}${result.note ? `  (${result.note})` : ''}`,
    `Customer  ${facts.customer ?? '-'}${origin('customer')}`,
    `Class     ${facts.class ?? '-'}${origin('class')}`,
    '',
  ];
  if (result.route) {
    lines.push(`Route '${result.route}' applies.`);
    if (result.problem) lines.push(`But it cannot be applied: ${result.problem}`);
    else {
      lines.push('Jobs a `job submit --route auto` would queue:');
      lines.push(
        renderTable(
          ['PRESET', 'DESTINATION', 'RETENTION'],
          result.destinations.map((d) => [d.preset, d.destination, formatRetention(d.retention)]),
          tty,
        ),
      );
    }
  } else lines.push('No route applies: `job submit --route auto` would refuse this source.');
  if (result.rules.length) {
    lines.push('', 'Rules, in precedence order:');
    for (const rule of result.rules) {
      const mark = rule.name === result.route ? 'applies' : rule.matches ? 'outranked' : 'no match';
      lines.push(`  ${rule.name} [priority ${rule.priority}; ${rule.match}]: ${mark}`);
      for (const reason of rule.reasons) lines.push(`      ${reason}`);
    }
  }
  return lines.join('\n');
}

/** `7y compliance + legal hold`. */
export function formatRetention(retention: RetentionSpec | null): string | null {
  if (!retention) return null;
  return [retention.retain ? `${retention.retain} ${retention.mode}` : null, retention.legalHold ? 'legal hold' : null]
    .filter(Boolean)
    .join(' + ');
}
