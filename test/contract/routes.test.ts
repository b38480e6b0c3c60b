import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';
import { AuditContext } from '../../src/core/audit/context.ts';
import { listAudit, verifyAudit } from '../../src/core/audit/log.ts';
import { addEndpoint } from '../../src/core/endpoints/repository.ts';
import { addRoute, getRoute, listRoutes, removeRoute } from '../../src/core/routing/repository.ts';
import { validateRoute } from '../../src/core/routing/validate.ts';
import type { Db } from '../../src/core/store/open.ts';
import { forEachBackend } from '../support/backends.ts';

const audit = (command = 'route add') => new AuditContext(command, [], { actor: 'test@host' });
const checks = {
  isEndpoint: (n: string) => ['store', 'archive', 'cdn'].includes(n),
  presetKind: (p: string) => (p === 'archive-ffv1' ? 'archive' : 'hls'),
};

function input(name: string, match: string, over: { priority?: number; to?: string[]; presets?: string[]; retain?: string } = {}) {
  return validateRoute(
    {
      name,
      match,
      presets: over.presets ?? ['hls-h264'],
      to: over.to ?? [`cdn/vod/{customer}/{stem}/`],
      priority: over.priority,
      retain: over.retain,
    },
    checks,
  );
}

forEachBackend('routing rules', (backend) => {
  let db: Db;
  beforeEach(async () => {
    db = await backend.fresh();
    for (const name of ['store', 'cdn', 'archive']) {
      await addEndpoint({
        db,
        audit: audit('endpoint add'),
        endpoint: {
          name,
          url: 'http://127.0.0.1:9',
          accessKey: 'k',
          secret: { kind: 'env', variable: 'X' },
          region: 'us-east-1',
          caCertPath: null,
          role: null,
          labels: {},
        },
      });
    }
  });

  it('stores a rule with every field and reads it back the same, from another connection too', async () => {
    const route = validateRoute(
      {
        name: 'acme',
        match: 'customer=acme,class=news,source=store/masters/2026/',
        presets: ['hls-h264', 'archive-ffv1'],
        to: ['cdn/vod/{customer}/{stem}/', 'archive/masters/{customer}/{date}/{stem}/'],
        priority: 7,
        retain: '7y',
        retentionMode: 'compliance',
        legalHold: true,
      },
      checks,
    );
    const stored = await addRoute({ db, audit: audit(), route });
    const { createdAt, updatedAt, ...rest } = stored;
    assert.deepEqual(rest, route);
    assert.ok(createdAt && updatedAt);
    const other = await backend.another();
    assert.deepEqual(await getRoute(other, 'acme'), stored);
    assert.deepEqual(
      (await listRoutes(other)).map((r) => r.name),
      ['acme'],
    );
  });

  it('every change is audited in its transaction; a refused change leaves nothing', async () => {
    await addRoute({ db, audit: audit(), route: input('acme', 'customer=acme') });
    await assert.rejects(addRoute({ db, audit: audit(), route: input('acme', 'customer=acme,class=x') }), /already exists/);
    await assert.rejects(addRoute({ db, audit: audit(), route: input('acme2', 'customer=acme') }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ROUTE_OVERLAP');
      assert.match(e.message, /'acme2'.*'acme'.*same priority 0/);
      return true;
    });
    await addRoute({ db, audit: audit(), route: input('acme', 'customer=acme', { priority: 3 }), replace: true });
    await removeRoute({ db, audit: audit('route remove'), name: 'acme' });
    await assert.rejects(removeRoute({ db, audit: audit('route remove'), name: 'acme' }), /no route named 'acme'/);
    assert.deepEqual(await listRoutes(db), []);
    const entries = (await listAudit(db, {})).filter((e) => e.command.startsWith('route'));
    assert.deepEqual(entries.map((e) => [e.command, e.target, (e.detail as { replaced?: boolean } | null)?.replaced ?? null]).reverse(), [
      ['route add', 'route acme', false],
      ['route add', 'route acme', true],
      ['route remove', 'route acme', null],
    ]);
    assert.equal((await verifyAudit(db)).ok, true);
  });

  it('refuses a rule whose endpoint was removed after it was validated', async () => {
    await db.run("DELETE FROM endpoints WHERE name = 'archive'");
    await assert.rejects(
      addRoute({ db, audit: audit(), route: input('a', 'customer=a', { to: ['archive/m/{stem}/'] }) }),
      /endpoint 'archive', which is not configured/,
    );
    assert.deepEqual(await listRoutes(db), []);
  });

  it('reports a stored rule changed outside MpegFlow, naming the route and the field', async () => {
    await addRoute({ db, audit: audit(), route: input('acme', 'customer=acme') });
    await db.run(`UPDATE routes SET targets = '[{"preset": "hls-h264"}]' WHERE name = 'acme'`);
    await assert.rejects(getRoute(db, 'acme'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ROUTE_DAMAGED');
      assert.match(e.message, /the stored route 'acme' is damaged: targets\[0\]\.to: missing/);
      return true;
    });
  });

  it('nested rules of equal priority and disjoint ones are stored side by side', async () => {
    await addRoute({ db, audit: audit(), route: input('acme', 'customer=acme') });
    await addRoute({ db, audit: audit(), route: input('acme-news', 'customer=acme,class=news') });
    await addRoute({ db, audit: audit(), route: input('globex', 'customer=globex') });
    await addRoute({ db, audit: audit(), route: input('masters', 'source=store/masters', { priority: 1 }) });
    await addRoute({ db, audit: audit(), route: input('masters-2026', 'source=store/masters/2026', { priority: 1 }) });
    await assert.rejects(addRoute({ db, audit: audit(), route: input('news', 'class=news') }), /'news'.*'acme'/);
    assert.deepEqual(
      (await listRoutes(db)).map((r) => r.name),
      ['acme', 'acme-news', 'globex', 'masters', 'masters-2026'],
    );
  });
});
