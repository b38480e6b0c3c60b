import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from 'minio';
import { parseDuration, retainUntil } from '../../../src/core/routing/duration.ts';
import { canOverlap, closestRules, matchRoutes, overlapProblem, specificity } from '../../../src/core/routing/match.ts';
import type { Route, RoutingFacts } from '../../../src/core/routing/model.ts';
import { routingFacts } from '../../../src/core/routing/plan.ts';
import { dateValue, expandTemplate, parseTemplate, stemOf } from '../../../src/core/routing/template.ts';
import { parseMatch, validateRoute, type RouteChecks } from '../../../src/core/routing/validate.ts';

const checks: RouteChecks = {
  isEndpoint: (n) => ['store', 'archive', 'cdn'].includes(n),
  presetKind: (p) => {
    const kinds: Record<string, string> = { 'hls-h264': 'hls', 'archive-ffv1': 'archive', 'mp4-h264': 'mp4' };
    if (!kinds[p]) throw new Error(`no preset '${p}'`);
    return kinds[p];
  },
};

function rule(name: string, match: string, priority = 0): Route {
  const input = validateRoute({ name, match, presets: ['hls-h264'], to: [`cdn/vod/${name}/{stem}/`], priority }, checks);
  return { ...input, createdAt: '', updatedAt: '' };
}

const facts = (over: Partial<RoutingFacts> = {}): RoutingFacts => ({
  customer: 'acme',
  class: 'news',
  source: { alias: 'store', bucket: 'masters', key: '2026/ep1.mov' },
  ...over,
});

describe('retention durations', () => {
  it('reads years, months, weeks, days and hours, alone or combined', () => {
    assert.deepEqual(parseDuration('7y'), { text: '7y', years: 7, months: 0, days: 0, hours: 0 });
    assert.deepEqual(parseDuration('1y6mo'), { text: '1y6mo', years: 1, months: 6, days: 0, hours: 0 });
    assert.equal(parseDuration('2w3d').days, 17);
    assert.equal(parseDuration(' 36H ').hours, 36);
  });
  it('refuses what it cannot read, each with the reason', () => {
    for (const [text, why] of [
      ['', /empty/],
      ['7', /NUMBER\+UNIT/],
      ['7 years', /NUMBER\+UNIT|not a unit/],
      ['7x', /'x' is not a unit/],
      ['6m', /ambiguous.*mo/],
      ['0d', /zero/],
      ['-1y', /NUMBER\+UNIT/],
      ['1y1y', /twice/],
      ['101y', /longer than 100 years/],
    ] as const) {
      assert.throws(
        () => parseDuration(text),
        (e: Error & { code?: string }) => e.code === 'DURATION_INVALID' && why.test(e.message),
        text,
      );
    }
  });
  it('counts calendar years and months, clamped to the end of shorter months', () => {
    assert.equal(retainUntil(parseDuration('7y'), new Date('2026-03-01T10:00:00Z')).toISOString(), '2033-03-01T10:00:00.000Z');
    assert.equal(retainUntil(parseDuration('1y'), new Date('2028-02-29T00:00:00Z')).toISOString(), '2029-02-28T00:00:00.000Z');
    assert.equal(retainUntil(parseDuration('1mo'), new Date('2026-01-31T00:00:00Z')).toISOString(), '2026-02-28T00:00:00.000Z');
    assert.equal(retainUntil(parseDuration('1w1d12h'), new Date('2026-01-01T00:00:00Z')).toISOString(), '2026-01-09T12:00:00.000Z');
  });
});

describe('destination templates', () => {
  it('expands every placeholder into the prefix', () => {
    const values = { customer: 'acme', class: 'news', stem: 'ep1', date: '2026-11-25', preset: 'hls-h264' };
    assert.equal(expandTemplate('cdn/vod/{customer}/{class}/{date}/{stem}.{preset}', values), 'cdn/vod/acme/news/2026-11-25/ep1.hls-h264/');
    assert.equal(expandTemplate('archive/masters/{customer}/{stem}/', values), 'archive/masters/acme/ep1/');
  });
  it('refuses "..", unknown placeholders, placeholders in the endpoint or bucket, and missing folders', () => {
    for (const [template, why] of [
      ['cdn/vod/../{stem}/', /"\." or "\.\." segments/],
      ['cdn/vod/{customer}/./x', /"\." or "\.\." segments/],
      ['cdn/vod/{custmer}/', /\{custmer\} is not a placeholder/],
      ['cdn/vod/{customer/', /unbalanced/],
      ['cdn/{customer}/x/', /only appear after the bucket/],
      ['cdn/vod/', /endpoint, a bucket and a folder/],
      ['cdn/vod//x/', /empty segment/],
      ['./local/{stem}', /not local folders/],
    ] as const) {
      assert.throws(
        () => parseTemplate(template),
        (e: Error & { code?: string }) => e.code === 'TEMPLATE_INVALID' && why.test(e.message),
        template,
      );
    }
  });
  it('refuses values that could climb out of the folder, and placeholders without a value', () => {
    const values = { customer: '..', class: 'news', stem: 'ep1', date: '2026-11-25', preset: 'p' };
    assert.throws(() => expandTemplate('cdn/vod/{customer}/', values), /refusing the customer '\.\.'/);
    assert.throws(() => expandTemplate('cdn/vod/{customer}/', { ...values, customer: 'a/b' }), /one plain name/);
    assert.throws(
      () => expandTemplate('cdn/vod/{class}/', { ...values, class: null }),
      (e: Error & { suggestion?: string }) => /needs \{class\}/.test(e.message) && /x-amz-meta-mpegflow-class/.test(e.suggestion ?? ''),
    );
  });
  it('takes the stem of the last segment and the UTC day', () => {
    assert.equal(stemOf('2026/ep1.final.mov'), 'ep1.final');
    assert.equal(stemOf('/tmp/clip'), 'clip');
    assert.equal(dateValue(new Date('2026-11-25T23:59:00Z')), '2026-11-25');
  });
});

describe('rule validation', () => {
  it('reads --match conditions and pairs presets with templates', () => {
    assert.deepEqual(parseMatch('customer=acme,class=archive,source=store/masters/2026/', checks), {
      customer: 'acme',
      class: 'archive',
      source: { alias: 'store', bucket: 'masters', prefix: '2026' },
    });
    const route = validateRoute(
      {
        name: 'acme',
        match: 'customer=acme',
        presets: ['hls-h264', 'archive-ffv1'],
        to: ['cdn/vod/{stem}/', 'archive/masters/{stem}/'],
        retain: '7y',
        retentionMode: 'compliance',
      },
      checks,
    );
    assert.deepEqual(
      route.targets.map((t) => [t.preset, t.to, t.retained]),
      [
        ['hls-h264', 'cdn/vod/{stem}/', false],
        ['archive-ffv1', 'archive/masters/{stem}/', true],
      ],
    );
    assert.deepEqual(route.retention, { retain: '7y', mode: 'compliance', legalHold: false });
  });
  it('retention without an archive preset applies to every target', () => {
    const route = validateRoute({ name: 'r', presets: ['mp4-h264'], to: ['archive/m/{stem}/'], legalHold: true }, checks);
    assert.equal(route.targets[0]!.retained, true);
    assert.deepEqual(route.retention, { retain: null, mode: 'governance', legalHold: true });
  });
  it('refuses missing endpoints and presets, bad conditions, colliding targets and bad retention', () => {
    const base = { name: 'r', presets: ['hls-h264'], to: ['cdn/vod/{stem}/'] };
    for (const [over, why] of [
      [{ to: ['nowhere/vod/{stem}/'] }, /endpoint 'nowhere', which is not configured/],
      [{ match: 'source=nowhere/b/p' }, /endpoint 'nowhere', which is not configured/],
      [{ presets: ['no-such'] }, /no preset 'no-such'/],
      [{ match: 'colour=red' }, /cannot read the condition 'colour=red'/],
      [{ match: 'customer=a,customer=b' }, /customer twice/],
      [{ presets: ['hls-h264', 'mp4-h264'], to: ['cdn/vod/{stem}/'] }, /same folder/],
      [{ presets: ['hls-h264', 'mp4-h264'], to: ['cdn/a/{stem}/', 'cdn/b/{stem}/', 'cdn/c/{stem}/'] }, /2 presets and 3 --to/],
      [{ retain: '7 years' }, /cannot read the retention period/],
      [{ retentionMode: 'strict', retain: '1y' }, /not a retention mode/],
      [{ retentionMode: 'compliance' }, /without --retain/],
      [{ name: '../x' }, /not a valid route name/],
    ] as const) {
      assert.throws(() => validateRoute({ ...base, ...over }, checks), why, JSON.stringify(over));
    }
  });
});

describe('matching and precedence', () => {
  const routes = [
    rule('catch-all', ''),
    rule('acme', 'customer=acme'),
    rule('acme-news', 'customer=acme,class=news'),
    rule('masters-2026', 'source=store/masters/2026', 5),
    rule('globex', 'customer=globex'),
  ];
  it('priority first, then specificity', () => {
    assert.equal(matchRoutes(routes, facts()).winner?.name, 'masters-2026');
    assert.equal(
      matchRoutes(routes, facts({ source: { alias: 'store', bucket: 'masters', key: '2025/x.mov' } })).winner?.name,
      'acme-news',
    );
    assert.equal(matchRoutes(routes, facts({ class: 'sport', source: null })).winner?.name, 'acme');
    assert.equal(matchRoutes(routes, facts({ customer: 'initech', source: null })).winner?.name, 'catch-all');
    assert.deepEqual(specificity(routes[3]!.match), [1, 3]);
  });
  it('explains every rule that does not apply', () => {
    const { verdicts } = matchRoutes(routes, facts({ source: { alias: 'store', bucket: 'masters', key: '2025/x.mov' } }));
    const why = Object.fromEntries(verdicts.map((v) => [v.route.name, v.reasons.join('; ')]));
    assert.match(why['masters-2026']!, /sources under store\/masters\/2026\/, not store\/masters\/2025\/x\.mov/);
    assert.match(why.globex!, /needs customer 'globex', the source's is 'acme'/);
    assert.match(why.acme!, /'acme-news' is more specific/);
    assert.equal(why['acme-news'], '');
  });
  it('a source folder matches whole segments only', () => {
    const scoped = [rule('m', 'source=store/masters/2026')];
    assert.equal(matchRoutes(scoped, facts({ source: { alias: 'store', bucket: 'masters', key: '20261/x.mov' } })).winner, null);
    assert.equal(matchRoutes(scoped, facts({ source: null })).winner, null);
  });
  it('names the closest rules when none matches', () => {
    const some = [
      rule('acme', 'customer=acme'),
      rule('globex-news', 'customer=globex,class=news'),
      rule('g2', 'customer=globex,class=sport'),
    ];
    const { winner, verdicts } = matchRoutes(some, facts({ customer: 'globex', class: 'film' }));
    assert.equal(winner, null);
    assert.deepEqual(
      closestRules(verdicts, 2).map((v) => v.route.name),
      ['g2', 'globex-news'],
      'the rules that failed one condition, those that met more conditions first',
    );
  });
  it('refuses rules of equal priority that tie, allows nested or disjoint ones', () => {
    const existing = [rule('acme', 'customer=acme'), rule('news', 'class=news', 1)];
    assert.equal(overlapProblem(rule('acme-news', 'customer=acme,class=news'), existing), null, 'narrower');
    assert.equal(overlapProblem(rule('globex', 'customer=globex'), existing), null, 'disjoint');
    assert.equal(overlapProblem(rule('sport', 'class=sport'), existing)?.name, 'acme', 'crossing');
    assert.equal(overlapProblem(rule('acme2', 'customer=acme'), existing)?.name, 'acme', 'same conditions');
    assert.equal(overlapProblem(rule('news2', 'class=news', 1), existing)?.name, 'news');
    assert.equal(overlapProblem(rule('news2', 'class=news', 2), existing), null, 'another priority');
    assert.equal(canOverlap(rule('a', 'source=store/masters/2026').match, rule('b', 'source=store/masters').match), true);
    assert.equal(canOverlap(rule('a', 'source=store/masters/2026').match, rule('b', 'source=store/other').match), false);
  });
});

describe('routing facts', () => {
  const object = { kind: 'remote', alias: 'store', bucket: 'masters', key: 'acme/ep1.mov' } as const;
  const noRequests = (): Client => {
    throw new Error('the listing carried the labels: no request may be made');
  };
  it("take a listed object's metadata and tags without asking the store again; the flags still come first", async () => {
    const labels = {
      metadata: { 'X-Amz-Meta-Mpegflow-Customer': 'acme', 'content-type': 'video/mp4' },
      tags: { 'mpegflow-class': 'news' },
    };
    assert.deepEqual(await routingFacts(object, {}, noRequests, labels), {
      customer: 'acme',
      class: 'news',
      source: { alias: 'store', bucket: 'masters', key: 'acme/ep1.mov' },
      origin: { customer: 'metadata', class: 'tag' },
    });
    const flagged = await routingFacts(object, { class: 'sport' }, noRequests, labels);
    assert.deepEqual([flagged.class, flagged.origin], ['sport', { class: 'flag', customer: 'metadata' }]);
    const bare = await routingFacts(object, {}, noRequests, { metadata: {}, tags: {} });
    assert.deepEqual([bare.customer, bare.class], [null, null]);
  });
  it('check listed values like any other', async () => {
    await assert.rejects(routingFacts(object, {}, noRequests, { metadata: {}, tags: { 'mpegflow-customer': 'ac/me' } }), /customer/);
  });
});
