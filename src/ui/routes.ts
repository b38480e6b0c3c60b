import type { Route } from '../core/routing/model.ts';
import { formatMatch, formatRetention } from '../core/routing/model.ts';
import type { RouteTestResult } from '../core/routing/explain.ts';
import { renderFields, renderTable } from './table.ts';

function describeTargets(route: Route): string {
  return route.targets.map((t) => `${t.preset} -> ${t.to}${t.retained ? ' (retained)' : ''}`).join('; ');
}

export function renderRouteTable(routes: Route[]): string {
  return renderTable(
    ['NAME', 'PRIORITY', 'MATCH', 'PRESETS -> DESTINATIONS', 'RETENTION'],
    routes.map((r) => [r.name, r.priority, formatMatch(r.match), describeTargets(r), formatRetention(r.retention)]),
  );
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

export function renderRouteTest(result: RouteTestResult): string {
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
