import type { AuditContext } from '../audit/context.ts';
import { userError } from '../errors.ts';
import type { Db } from '../store/open.ts';
import { overlapProblem } from './match.ts';
import { checkSchema } from '../schema/issues.ts';
import type { RetentionMode, Route, RouteInput } from './model.ts';
import { formatMatch, formatScope } from '../notation.ts';
import { route as routeSchema } from './route-schema.ts';

interface RouteRow {
  name: string;
  match_customer: string | null;
  match_class: string | null;
  match_source: string | null;
  targets: string;
  priority: number;
  retain: string | null;
  retention_mode: RetentionMode | null;
  legal_hold: number;
  created_at: string;
  updated_at: string;
}

function scopeFromText(text: string): Route['match']['source'] {
  const [alias = '', bucket = '', ...rest] = text.split('/');
  return { alias, bucket: bucket || null, prefix: rest.join('/').replace(/\/+$/, '') };
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A stored rule, checked against the route schema: a row changed outside MpegFlow is reported, not used. */
function fromRow(row: RouteRow): Route {
  const legalHold = Number(row.legal_hold) === 1;
  const checked = checkSchema(routeSchema, {
    name: row.name,
    match: {
      customer: row.match_customer,
      class: row.match_class,
      source: row.match_source === null ? null : scopeFromText(row.match_source),
    },
    targets: jsonOrText(row.targets),
    priority: Number(row.priority),
    retention: row.retain || legalHold ? { retain: row.retain, mode: row.retention_mode ?? 'governance', legalHold } : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
  if (checked.ok) return checked.value;
  throw userError(
    `the stored route '${row.name}' is damaged: ${checked.problems.join('; ')}`,
    'the state file was changed outside MpegFlow: restore it from a backup',
    'ROUTE_DAMAGED',
  );
}

export function routeNotFound(name: string): Error {
  return userError(`there is no route named '${name}'`, 'list the routes with `mpegflow route list`', 'ROUTE_NOT_FOUND');
}

export function routeExists(name: string): Error {
  return userError(
    `a route named '${name}' already exists`,
    `choose another name, add --replace, or remove it first with \`mpegflow route remove ${name}\``,
    'ROUTE_EXISTS',
  );
}

export function overlapError(route: RouteInput, rival: Route): Error {
  return userError(
    `route '${route.name}' (${formatMatch(route.match)}) and route '${rival.name}' (${formatMatch(rival.match)}) have the same priority ${route.priority} and can match the same source, and neither is narrower`,
    `give one of them another --priority, or make the conditions of one a subset of the other's; see which wins with \`mpegflow route test SOURCE\``,
    'ROUTE_OVERLAP',
  );
}

/** Every rule, in precedence order is the matcher's business: here, by name. */
export async function listRoutes(db: Db): Promise<Route[]> {
  return (await db.all<RouteRow>('SELECT * FROM routes ORDER BY name')).map(fromRow);
}

export async function getRoute(db: Db, name: string): Promise<Route> {
  const row = await db.get<RouteRow>('SELECT * FROM routes WHERE name = ?', [name]);
  if (!row) throw routeNotFound(name);
  return fromRow(row);
}

/**
 * Stores a validated rule in one audited transaction. Refused: a name already
 * taken (unless `replace`), a rule that would tie with another of the same
 * priority, and endpoints removed since the rule was validated.
 */
export async function addRoute({
  db,
  audit,
  route,
  replace = false,
}: {
  db: Db;
  audit: AuditContext;
  route: RouteInput;
  replace?: boolean;
}): Promise<Route> {
  return db.transaction(async (tx) => {
    await tx.lock('routes');
    const existing = await listRoutes(tx);
    if (existing.some((r) => r.name === route.name) && !replace) throw routeExists(route.name);
    const rival = overlapProblem(route, existing);
    if (rival) throw overlapError(route, rival);
    const aliases = new Set([...route.targets.map((t) => t.to.split('/')[0]!), ...(route.match.source ? [route.match.source.alias] : [])]);
    for (const alias of aliases) {
      if (!(await tx.get('SELECT name FROM endpoints WHERE name = ?', [alias])))
        throw userError(`route '${route.name}' names the endpoint '${alias}', which is not configured`, undefined, 'ENDPOINT_NOT_FOUND');
    }
    const ts = new Date(await tx.nowMs()).toISOString();
    await tx.run(
      `INSERT INTO routes (name, match_customer, match_class, match_source, targets, priority, retain, retention_mode, legal_hold, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET match_customer = excluded.match_customer, match_class = excluded.match_class,
         match_source = excluded.match_source, targets = excluded.targets, priority = excluded.priority, retain = excluded.retain,
         retention_mode = excluded.retention_mode, legal_hold = excluded.legal_hold, updated_at = excluded.updated_at`,
      [
        route.name,
        route.match.customer,
        route.match.class,
        route.match.source ? formatScope(route.match.source).replace(/\/$/, '') : null,
        JSON.stringify(route.targets),
        route.priority,
        route.retention?.retain ?? null,
        route.retention ? route.retention.mode : null,
        route.retention?.legalHold ? 1 : 0,
        ts,
        ts,
      ],
    );
    const stored = await getRoute(tx, route.name);
    await audit.record(tx, {
      target: `route ${route.name}`,
      detail: {
        match: formatMatch(route.match),
        targets: route.targets,
        priority: route.priority,
        retention: route.retention,
        replaced: existing.some((r) => r.name === route.name),
      },
    });
    return stored;
  });
}

export async function removeRoute({ db, audit, name }: { db: Db; audit: AuditContext; name: string }): Promise<Route> {
  return db.transaction(async (tx) => {
    const row = await tx.get<RouteRow>(`SELECT * FROM routes WHERE name = ?${tx.forUpdate}`, [name]);
    if (!row) throw routeNotFound(name);
    await tx.run('DELETE FROM routes WHERE name = ?', [name]);
    const removed = fromRow(row);
    await audit.record(tx, { target: `route ${name}`, detail: { match: formatMatch(removed.match), targets: removed.targets } });
    return removed;
  });
}
