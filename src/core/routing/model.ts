/** Where a rule's sources live: a whole endpoint, a bucket, or a folder (prefix) in it. */
export interface SourceScope {
  alias: string;
  bucket: string | null;
  /** Without leading or trailing slashes; '' for the whole bucket. */
  prefix: string;
}

export interface RouteMatch {
  customer: string | null;
  class: string | null;
  source: SourceScope | null;
}

export const RETENTION_MODES = ['governance', 'compliance'] as const;
export type RetentionMode = (typeof RETENTION_MODES)[number];

/** S3 Object Lock settings for stored outputs; `retain` null means a legal hold only. */
export interface RetentionSpec {
  retain: string | null;
  mode: RetentionMode;
  legalHold: boolean;
}

/** One encode a rule asks for: a preset and where its outputs go (a destination template). */
export interface RouteTarget {
  preset: string;
  to: string;
  /** Whether the rule's retention applies to this target (archive presets; every target when the rule has none). */
  retained: boolean;
}

export interface RouteInput {
  name: string;
  match: RouteMatch;
  targets: RouteTarget[];
  priority: number;
  retention: RetentionSpec | null;
}

export interface Route extends RouteInput {
  createdAt: string;
  updatedAt: string;
}

/** What is known about one submitted source when rules are matched. */
export interface RoutingFacts {
  customer: string | null;
  class: string | null;
  /** ALIAS/BUCKET/KEY of a remote source; null for a local file. */
  source: { alias: string; bucket: string; key: string } | null;
  /** Where customer and class came from, for explanations. */
  origin?: { customer?: FactOrigin; class?: FactOrigin };
}

export type FactOrigin = 'flag' | 'metadata' | 'tag';

/** User metadata and tag keys read from a source object (see README "Routing"). */
export const CUSTOMER_METADATA = 'mpegflow-customer';
export const CLASS_METADATA = 'mpegflow-class';

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

export function formatRetention(retention: RetentionSpec | null): string | null {
  if (!retention) return null;
  return [retention.retain ? `${retention.retain} ${retention.mode}` : null, retention.legalHold ? 'legal hold' : null]
    .filter(Boolean)
    .join(' + ');
}
