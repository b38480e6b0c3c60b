import type { Client } from 'minio';
import { userError } from '../errors.ts';
import { eachAtMost } from '../concurrently.ts';
import { destinationFrom } from '../encode/outputs/locations.ts';
import type { Preset } from '../encode/presets/preset-model.ts';
import type { ObjectLocation } from '../endpoints/object-path.ts';
import { parseObjectPath } from '../endpoints/object-path.ts';
import { formatLocation } from '../notation.ts';
import { storageFailure } from '../s3/errors.ts';
import { formatDestination } from '../encode/outputs/locations.ts';
import { jobNeeds } from '../jobs/plan-submit.ts';
import type { JobSpec } from '../jobs/model.ts';
import { SeenKeys } from '../jobs/seen-keys.ts';
import type { ExpandedSource, ObjectLabels } from '../jobs/sources.ts';
import { closestRules, matchRoutes, type MatchOutcome } from './match.ts';
import { CLASS_METADATA, CUSTOMER_METADATA, type FactOrigin, type RetentionSpec, type Route, type RoutingFacts } from './model.ts';
import { formatMatch } from '../notation.ts';
import { checkValue, dateValue, expandTemplate, stemOf } from './template.ts';

const tagMap = (tags: unknown) =>
  Object.fromEntries((tags as { Key: string; Value: string }[]).map((t) => [String(t.Key), String(t.Value)]));

export interface GivenFacts {
  customer?: string;
  class?: string;
}

/**
 * Customer and class of a source: the flags first, then the object's user
 * metadata (`x-amz-meta-mpegflow-customer`, `x-amz-meta-mpegflow-class`), then
 * its tags (`mpegflow-customer`, `mpegflow-class`). A local file has only the
 * flags. Metadata and tags come from the listing when it carried them, else
 * from a HEAD and a tagging request.
 */
export async function routingFacts(
  location: ObjectLocation,
  given: GivenFacts,
  s3For: (alias: string) => Client,
  listed?: ObjectLabels,
): Promise<RoutingFacts> {
  const facts: RoutingFacts = { customer: null, class: null, source: null, origin: {} };
  const fields = [
    ['customer', CUSTOMER_METADATA],
    ['class', CLASS_METADATA],
  ] as const;
  for (const [field] of fields) {
    if (given[field] !== undefined) {
      facts[field] = checkValue(field, given[field]);
      facts.origin![field] = 'flag';
    }
  }
  if (location.kind === 'local') return facts;
  const { alias, bucket, key } = location;
  facts.source = { alias, bucket, key };
  if (facts.customer !== null && facts.class !== null) return facts;
  const where = `${alias}/${bucket}/${key}`;
  let metadata: Record<string, unknown>;
  try {
    metadata = listed?.metadata ?? ((await s3For(alias).statObject(bucket, key)).metaData as Record<string, unknown>);
  } catch (error) {
    throw storageFailure(error, { alias: alias, path: where });
  }
  const found = (origin: FactOrigin, read: (name: string) => string | undefined) => {
    for (const [field, name] of fields) {
      const value = read(name);
      if (facts[field] === null && value) {
        facts[field] = checkValue(field, value);
        facts.origin![field] = origin;
      }
    }
  };
  const lower = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k.toLowerCase().replace(/^x-amz-meta-/, ''), String(v)]));
  found('metadata', (name) => lower[name]);
  if (facts.customer === null || facts.class === null) {
    let tags: Record<string, string>;
    try {
      tags = listed?.tags ?? tagMap(await s3For(alias).getObjectTagging(bucket, key));
    } catch (error) {
      throw storageFailure(error, { alias: alias, path: where });
    }
    found('tag', (name) => tags[name]);
  }
  return facts;
}

export interface RoutedTarget {
  preset: string;
  destination: string;
  retention: RetentionSpec | null;
}

/** Why no rule applies, naming the rules that came closest and what each lacks. */
export function noRouteError(source: string, facts: RoutingFacts, outcome: MatchOutcome): Error {
  const closest = closestRules(outcome.verdicts);
  const known = `customer ${facts.customer ?? '(none)'}, class ${facts.class ?? '(none)'}`;
  const detail = closest.length
    ? `; closest: ${closest.map((v) => `'${v.route.name}' (${formatMatch(v.route.match)}): ${v.reasons.join('; ')}`).join(' | ')}`
    : '; there are no routes';
  return userError(
    `no route matches ${source} (${known})${detail}`,
    closest.length
      ? `give --customer/--class, tag the object (mpegflow-customer, mpegflow-class), or add a rule with \`mpegflow route add\`; \`mpegflow route test ${source}\` explains each rule`
      : 'add one with `mpegflow route add NAME --match ... --preset P --to TEMPLATE`',
    'NO_ROUTE',
  );
}

/** The destinations a rule gives one source, expanded and checked. */
export function routeTargets(route: Route, facts: RoutingFacts, sourceName: string, now: Date): RoutedTarget[] {
  return route.targets.map((target) => ({
    preset: target.preset,
    destination: expandTemplate(target.to, {
      customer: facts.customer,
      class: facts.class,
      stem: stemOf(sourceName),
      date: dateValue(now),
      preset: target.preset,
    }),
    retention: target.retained ? route.retention : null,
  }));
}

export interface RoutedSubmitOptions {
  routes: Route[];
  /** `auto`, or the name of one rule to apply to every source. */
  route: string;
  given: GivenFacts;
  s3For: (alias: string) => Client;
  isAlias: (name: string) => boolean;
  aliases?: readonly string[];
  presetFor: (name: string) => Preset;
  priority: number;
  host: string;
  now?: Date;
  /** Told of every ALIAS/BUCKET that retained outputs go to (they need Object Lock). */
  onRetainedBucket?: (bucket: string) => void;
  /** Stops between sources (each may cost a HEAD on stores whose listing does not carry metadata). */
  signal?: AbortSignal;
}

/** What routing one source needs besides the source: its submission's options, and what the submission has done so far. */
interface RoutingPass {
  options: RoutedSubmitOptions;
  now: Date;
  forced: Route | null;
  /** Destinations written by earlier sources. */
  written: SeenKeys;
  presetFor: (name: string) => Preset;
}

function routeSource(source: ExpandedSource, facts: RoutingFacts, { options, now, forced, written, presetFor }: RoutingPass): JobSpec[] {
  const name = formatLocation(source.location);
  let route = forced;
  if (!route) {
    const outcome = matchRoutes(options.routes, facts);
    if (!outcome.winner) throw noRouteError(name, facts, outcome);
    route = outcome.winner;
  }
  return routeTargets(route, facts, source.relative || name, now).map((target) => {
    const preset = presetFor(target.preset);
    const destination = destinationFrom(parseObjectPath(target.destination, options));
    const formatted = formatDestination(destination);
    if (!written.add(formatted)) {
      throw userError(
        `${name} (${target.preset}) would write into ${formatted}, where an earlier source of this submission writes too`,
        `put {stem} (and {preset}) in the destination template of route '${route.name}'`,
        'DESTINATION_COLLISION',
      );
    }
    if (target.retention && destination.kind === 'remote') options.onRetainedBucket?.(`${destination.alias}/${destination.bucket}`);
    return {
      source: name,
      sourceIdentity: source.identity,
      preset: preset.name,
      presetFile: preset.origin === 'file' ? preset.file : null,
      presetHash: preset.hash,
      destination: formatted,
      priority: options.priority,
      needs: jobNeeds(source.location, destination, options.host),
      customer: facts.customer,
      class: facts.class,
      route: route.name,
      retention: target.retention,
    };
  });
}

/** Sources whose facts are read from the store at once. */
const FACT_READS = 16;

/**
 * One job per source and rule target: a source may fan out to several
 * destinations on several stores. Throws when a source has no rule or two jobs
 * would write into the same folder; run it to the end before queuing anything.
 */
export async function* routedJobSpecs(sources: AsyncIterable<ExpandedSource[]>, options: RoutedSubmitOptions): AsyncGenerator<JobSpec[]> {
  const forced = options.route === 'auto' ? null : (options.routes.find((r) => r.name === options.route) ?? null);
  if (options.route !== 'auto' && !forced)
    throw userError(`there is no route named '${options.route}'`, 'use --route auto, or see `mpegflow route list`', 'ROUTE_NOT_FOUND');
  // a preset is read from its file and checked once per submission, not once per source
  const presets = new Map<string, Preset>();
  const presetFor = (name: string) => presets.get(name) ?? presets.set(name, options.presetFor(name)).get(name)!;
  const written = SeenKeys.open();
  const pass: RoutingPass = { options, now: options.now ?? new Date(), forced, written, presetFor };
  try {
    for await (const group of sources) {
      // where the listing did not carry them, each source's metadata and tags take a HEAD and a GET: read at
      // once for a group, not one source after another; the rules are then applied in order
      const facts = new Array<RoutingFacts>(group.length);
      await eachAtMost([...group.keys()], FACT_READS, async (i) => {
        options.signal?.throwIfAborted();
        const source = group[i]!;
        facts[i] = await routingFacts(source.location, options.given, options.s3For, source.labels);
      });
      yield group.flatMap((source, i) => routeSource(source, facts[i]!, pass));
    }
  } finally {
    written.close();
  }
}
