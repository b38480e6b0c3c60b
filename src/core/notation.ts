import type { ObjectLocation } from './endpoints/object-path.ts';
import type { RouteMatch, SourceScope } from './routing/model.ts';

/**
 * How MpegFlow writes its locations, rules and counts as text: in messages,
 * in the state (a route's match) and in tables. Types only come in, so the
 * rendering may use it without loading the core.
 */

/** ALIAS/BUCKET/KEY, or a local path: what parseObjectPath reads back. */
export function formatLocation(location: ObjectLocation): string {
  return location.kind === 'local' ? location.path : `${location.alias}/${location.bucket}/${location.key}`;
}

export function formatScope(scope: SourceScope): string {
  return [scope.alias, scope.bucket, scope.prefix].filter((s) => s !== null && s !== '').join('/') + (scope.bucket ? '/' : '');
}

export function formatMatch(match: RouteMatch): string {
  const parts = [
    match.customer !== null ? `customer=${match.customer}` : null,
    match.class !== null ? `class=${match.class}` : null,
    match.source ? `source=${formatScope(match.source)}` : null,
  ].filter(Boolean);
  return parts.length ? parts.join(',') : '(everything)';
}

/** A count with its noun, singular for one: `1 output`, `3 outputs`, `0 objects`. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
