import type { Route, RouteMatch, RoutingFacts, SourceScope } from './model.ts';
import { formatScope } from '../notation.ts';

/**
 * Which rule applies to a source: every condition a rule sets must hold.
 * Among the rules that match, the highest priority wins; at equal priority
 * the more specific one (more conditions, then the deeper source folder).
 * Rules of equal priority that could match the same source without one being
 * strictly narrower are refused when added (see `overlapProblem`), so the
 * winner is never a coin toss.
 */

/** Higher sorts first: [conditions set, depth of the source scope]. */
export function specificity(match: RouteMatch): [number, number] {
  const conditions = (match.customer !== null ? 1 : 0) + (match.class !== null ? 1 : 0) + (match.source ? 1 : 0);
  return [conditions, match.source ? scopeDepth(match.source) : 0];
}

function scopeDepth(scope: SourceScope): number {
  return 1 + (scope.bucket ? 1 : 0) + (scope.prefix ? scope.prefix.split('/').length : 0);
}

/** Negative when `a` wins over `b`. */
export function precedence(a: Pick<Route, 'priority' | 'match' | 'name'>, b: Pick<Route, 'priority' | 'match' | 'name'>): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const [ac, ad] = specificity(a.match);
  const [bc, bd] = specificity(b.match);
  return bc - ac || bd - ad || a.name.localeCompare(b.name, 'en');
}

function inScope(scope: SourceScope, source: { alias: string; bucket: string; key: string }): boolean {
  if (scope.alias !== source.alias) return false;
  if (scope.bucket === null) return true;
  if (scope.bucket !== source.bucket) return false;
  return !scope.prefix || source.key === scope.prefix || source.key.startsWith(`${scope.prefix}/`);
}

/** Why a rule does not match, one reason per failed condition; empty when it matches. */
export function mismatches(match: RouteMatch, facts: RoutingFacts): string[] {
  const reasons: string[] = [];
  for (const field of ['customer', 'class'] as const) {
    const wanted = match[field];
    if (wanted === null) continue;
    const have = facts[field];
    if (have === null) reasons.push(`it needs ${field} '${wanted}', and the source has no ${field}`);
    else if (have !== wanted) reasons.push(`it needs ${field} '${wanted}', the source's is '${have}'`);
  }
  if (match.source) {
    if (!facts.source) reasons.push(`it takes sources under ${formatScope(match.source)}, and this is a local file`);
    else if (!inScope(match.source, facts.source)) {
      const { alias, bucket, key } = facts.source;
      reasons.push(`it takes sources under ${formatScope(match.source)}, not ${alias}/${bucket}/${key}`);
    }
  }
  return reasons;
}

export interface RuleVerdict {
  route: Route;
  matches: boolean;
  /** Failed conditions, or why a matching rule lost to the winner. */
  reasons: string[];
}

export interface MatchOutcome {
  winner: Route | null;
  /** Every rule in precedence order, with why it does or does not apply. */
  verdicts: RuleVerdict[];
}

export function matchRoutes(routes: Route[], facts: RoutingFacts): MatchOutcome {
  const ordered = [...routes].sort(precedence);
  const verdicts: RuleVerdict[] = ordered.map((route) => {
    const reasons = mismatches(route.match, facts);
    return { route, matches: reasons.length === 0, reasons };
  });
  const winner = verdicts.find((v) => v.matches)?.route ?? null;
  if (winner) {
    for (const v of verdicts) {
      if (!v.matches || v.route === winner) continue;
      v.reasons.push(
        v.route.priority < winner.priority
          ? `it matches too, but '${winner.name}' has a higher priority (${winner.priority} > ${v.route.priority})`
          : `it matches too, but '${winner.name}' is more specific (${formatSpecificity(winner.match)} against ${formatSpecificity(v.route.match)})`,
      );
    }
  }
  return { winner, verdicts };
}

function formatSpecificity(match: RouteMatch): string {
  const [conditions, depth] = specificity(match);
  return `${conditions} condition${conditions === 1 ? '' : 's'}${depth ? `, source depth ${depth}` : ''}`;
}

/** The rules that came nearest to matching: fewest failed conditions, then most conditions met, at most `limit`. */
export function closestRules(verdicts: RuleVerdict[], limit = 3): RuleVerdict[] {
  const met = (v: RuleVerdict) => specificity(v.route.match)[0] - v.reasons.length;
  return verdicts
    .filter((v) => !v.matches)
    .sort((a, b) => a.reasons.length - b.reasons.length || met(b) - met(a) || precedence(a.route, b.route))
    .slice(0, limit);
}

function scopesOverlap(a: SourceScope, b: SourceScope): boolean {
  if (a.alias !== b.alias) return false;
  if (a.bucket === null || b.bucket === null) return true;
  if (a.bucket !== b.bucket) return false;
  const within = (inner: string, outer: string) => !outer || inner === outer || inner.startsWith(`${outer}/`);
  return within(a.prefix, b.prefix) || within(b.prefix, a.prefix);
}

/** Could one source match both? */
export function canOverlap(a: RouteMatch, b: RouteMatch): boolean {
  for (const field of ['customer', 'class'] as const) {
    if (a[field] !== null && b[field] !== null && a[field] !== b[field]) return false;
  }
  return !(a.source && b.source) || scopesOverlap(a.source, b.source);
}

/** Does every source matching `inner` also match `outer`? */
function narrowerOrEqual(inner: RouteMatch, outer: RouteMatch): boolean {
  for (const field of ['customer', 'class'] as const) {
    if (outer[field] !== null && inner[field] !== outer[field]) return false;
  }
  if (!outer.source) return true;
  if (!inner.source || inner.source.alias !== outer.source.alias) return false;
  if (outer.source.bucket === null) return true;
  if (inner.source.bucket !== outer.source.bucket) return false;
  const { prefix } = outer.source;
  return !prefix || inner.source.prefix === prefix || inner.source.prefix.startsWith(`${prefix}/`);
}

/**
 * A new rule is refused when an existing rule of the same priority could match
 * the same source and neither is strictly narrower: no precedence would
 * decide between them.
 */
export function overlapProblem(rule: Pick<Route, 'name' | 'priority' | 'match'>, others: Route[]): Route | null {
  for (const other of others) {
    if (other.name === rule.name || other.priority !== rule.priority || !canOverlap(rule.match, other.match)) continue;
    const ruleInside = narrowerOrEqual(rule.match, other.match);
    const otherInside = narrowerOrEqual(other.match, rule.match);
    if (ruleInside === otherInside) return other; // the same conditions, or crossing ones
  }
  return null;
}
