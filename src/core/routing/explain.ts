import type { Client } from 'minio';
import { isMpegflowError } from '../errors.ts';
import type { ObjectLocation } from '../endpoints/object-path.ts';
import { formatLocation } from '../notation.ts';
import { matchRoutes } from './match.ts';
import type { Route, RoutingFacts } from './model.ts';
import { formatMatch } from '../notation.ts';
import { routeTargets, routingFacts, type GivenFacts, type RoutedTarget } from './plan.ts';

export interface RouteTestResult {
  source: string;
  facts: RoutingFacts;
  /** The rule that applies, if any. */
  route: string | null;
  /** Exactly where `job submit --route auto` would write, one entry per job. */
  destinations: RoutedTarget[];
  /** Why the applying rule still cannot be used for this source (a placeholder without a value). */
  problem: string | null;
  /** Every rule in precedence order, with why it does or does not apply. */
  rules: { name: string; priority: number; match: string; matches: boolean; reasons: string[] }[];
  note: string | null;
}

/** What routing would do with one source; reads the object's metadata and tags, changes nothing. */
export async function explainRouting({
  location,
  routes,
  given,
  s3For,
  now = new Date(),
}: {
  location: ObjectLocation;
  routes: Route[];
  given: GivenFacts;
  s3For: (alias: string) => Client;
  now?: Date;
}): Promise<RouteTestResult> {
  let note: string | null = null;
  let facts: RoutingFacts;
  try {
    facts = await routingFacts(location, given, s3For);
  } catch (error) {
    if (!isMpegflowError(error) || error.code !== 'OBJECT_NOT_FOUND' || location.kind !== 'remote') throw error;
    note = 'no such object yet: its metadata and tags were not read';
    facts = await routingFacts({ kind: 'local', path: '' }, given, s3For);
    facts.source = { alias: location.alias, bucket: location.bucket, key: location.key };
  }
  const outcome = matchRoutes(routes, facts);
  const source = formatLocation(location);
  let destinations: RoutedTarget[] = [];
  let problem: string | null = null;
  if (outcome.winner) {
    try {
      destinations = routeTargets(outcome.winner, facts, location.kind === 'local' ? location.path : location.key, now);
    } catch (error) {
      if (!isMpegflowError(error)) throw error;
      problem = error.suggestion ? `${error.message} (${error.suggestion})` : error.message;
    }
  }
  return {
    source,
    facts,
    route: outcome.winner?.name ?? null,
    destinations,
    problem,
    rules: outcome.verdicts.map((v) => ({
      name: v.route.name,
      priority: v.route.priority,
      match: formatMatch(v.route.match),
      matches: v.matches,
      reasons: v.reasons,
    })),
    note,
  };
}
