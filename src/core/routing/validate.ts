import { userError } from '../errors.ts';
import { parseDuration } from './duration.ts';
import type { RetentionMode, RetentionSpec, RouteInput, RouteMatch, SourceScope } from './model.ts';
import { RETENTION_MODES } from './route-schema.ts';
import { checkValue, parseTemplate } from './template.ts';

export interface RouteRequest {
  name: string;
  /** `customer=C,class=K,source=ALIAS/BUCKET/PREFIX`; absent or empty: every source. */
  match?: string;
  presets: readonly string[];
  /** One template for every preset, or one per preset in the same order. */
  to: readonly string[];
  priority?: number;
  retain?: string;
  retentionMode?: string;
  legalHold?: boolean;
}

export interface RouteChecks {
  isEndpoint: (name: string) => boolean;
  /** The preset's kind (`hls`, `archive` …); throws when there is no such preset. */
  presetKind: (name: string) => string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function validateRouteName(name: string): string {
  if (!NAME.test(name))
    throw userError(`'${name}' is not a valid route name`, 'use 1-63 letters, digits, ".", "-" or "_", starting with a letter or digit');
  return name;
}

function missingEndpoint(name: string, where: string): Error {
  return userError(
    `${where} names the endpoint '${name}', which is not configured`,
    'list endpoints with `mpegflow endpoint list`, or add it first with `mpegflow endpoint add`',
    'ENDPOINT_NOT_FOUND',
  );
}

function parseScope(value: string, checks: RouteChecks): SourceScope {
  const [alias = '', bucket = '', ...rest] = value.split('/');
  if (!alias) throw userError(`source='${value}' names no endpoint`, 'write source=ALIAS/BUCKET/PREFIX', 'ROUTE_MATCH_INVALID');
  if (!checks.isEndpoint(alias)) throw missingEndpoint(alias, `source=${value}`);
  const prefix = rest.join('/').replace(/\/+$/, '');
  if (prefix.split('/').some((s) => s === '..' || s === '.') || /\/\//.test(prefix))
    throw userError(`source='${value}' has "." or ".." or empty segments`, 'write source=ALIAS/BUCKET/PREFIX', 'ROUTE_MATCH_INVALID');
  return { alias, bucket: bucket || null, prefix };
}

export function parseMatch(text: string | undefined, checks: RouteChecks): RouteMatch {
  const match: RouteMatch = { customer: null, class: null, source: null };
  if (!text?.trim()) return match;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!['customer', 'class', 'source'].includes(key) || !value) {
      throw userError(
        `cannot read the condition '${part}' in --match`,
        'write --match customer=C,class=K,source=ALIAS/BUCKET/PREFIX (each optional, comma-separated)',
        'ROUTE_MATCH_INVALID',
      );
    }
    if (match[key as keyof RouteMatch] !== null)
      throw userError(
        `--match gives ${key} twice`,
        'a rule has one value per condition: add another rule for another value',
        'ROUTE_MATCH_INVALID',
      );
    if (key === 'source') match.source = parseScope(value, checks);
    else match[key as 'customer' | 'class'] = checkValue(key, value);
  }
  return match;
}

/** --retain, --retention-mode and --legal-hold as one setting; null when none is given. */
export function parseRetention(request: Pick<RouteRequest, 'retain' | 'retentionMode' | 'legalHold'>): RetentionSpec | null {
  if (request.retentionMode !== undefined && !(RETENTION_MODES as readonly string[]).includes(request.retentionMode))
    throw userError(`'${request.retentionMode}' is not a retention mode`, 'use governance or compliance', 'RETENTION_INVALID');
  if (!request.retain && request.retentionMode !== undefined)
    throw userError('--retention-mode was given without --retain', 'add --retain DURATION, e.g. --retain 7y', 'RETENTION_INVALID');
  if (!request.retain && !request.legalHold) return null;
  return {
    retain: request.retain ? parseDuration(request.retain).text : null,
    mode: (request.retentionMode as RetentionMode | undefined) ?? 'governance',
    legalHold: Boolean(request.legalHold),
  };
}

/**
 * Everything about a rule that can be checked without the network: name,
 * conditions, presets, templates, retention. Object Lock on the destination
 * buckets is checked next (`retention.ts`), overlap in the transaction that
 * stores the rule.
 */
export function validateRoute(request: RouteRequest, checks: RouteChecks): RouteInput {
  const name = validateRouteName(request.name);
  const match = parseMatch(request.match, checks);
  if (request.presets.length === 0) throw userError('a route needs at least one --preset', undefined, 'ROUTE_INVALID');
  const dup = request.presets.find((p, i) => request.presets.indexOf(p) !== i);
  if (dup) throw userError(`--preset ${dup} is given twice`, undefined, 'ROUTE_INVALID');
  const kinds = request.presets.map((p) => checks.presetKind(p));
  if (request.to.length !== 1 && request.to.length !== request.presets.length) {
    throw userError(
      `${request.presets.length} presets and ${request.to.length} --to templates`,
      'give one --to for every preset (the n-th --to is for the n-th --preset), or a single --to for all of them',
      'ROUTE_INVALID',
    );
  }
  const tos = request.presets.map((_, i) => (request.to.length === 1 ? request.to[0]! : request.to[i]!).trim());
  const parsed = tos.map((to) => parseTemplate(to));
  parsed.forEach((t, i) => {
    if (!checks.isEndpoint(t.alias)) throw missingEndpoint(t.alias, `the destination template '${tos[i]}'`);
  });
  for (let i = 0; i < tos.length; i++)
    for (let j = i + 1; j < tos.length; j++)
      if (tos[i] === tos[j] && !parsed[i]!.placeholders.includes('preset'))
        throw userError(
          `presets ${request.presets[i]} and ${request.presets[j]} would write into the same folder '${tos[i]}'`,
          'put {preset} in the template, or give each preset its own --to',
          'TEMPLATE_INVALID',
        );
  const retention = parseRetention(request);
  const anyArchive = kinds.includes('archive');
  return {
    name,
    match,
    targets: request.presets.map((preset, i) => ({
      preset,
      to: tos[i]!,
      retained: retention !== null && (!anyArchive || kinds[i] === 'archive'),
    })),
    priority: request.priority ?? 0,
    retention,
  };
}
