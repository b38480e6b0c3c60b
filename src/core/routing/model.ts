import type * as z from 'zod';
import type { RETENTION_MODES, retentionSpec, route, routeInput, routeMatch, routeTarget, sourceScope } from './route-schema.ts';

export type SourceScope = z.infer<typeof sourceScope>;
export type RouteMatch = z.infer<typeof routeMatch>;

export type RetentionMode = (typeof RETENTION_MODES)[number];

export type RetentionSpec = z.infer<typeof retentionSpec>;
export type RouteTarget = z.infer<typeof routeTarget>;
export type RouteInput = z.infer<typeof routeInput>;
export type Route = z.infer<typeof route>;

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
