import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderBothWays } from '../../support/tty.ts';
import type { Route } from '../../../src/core/routing/model.ts';
import { renderRouteList, renderRouteRemoved, renderRouteSaved } from '../../../src/ui/routes.ts';

const route: Route = {
  name: 'acme-news',
  match: { customer: 'acme', class: 'news', source: null },
  targets: [{ preset: 'hls-h264', to: 'cdn/vod/{customer}/{stem}/', retained: false }],
  priority: 0,
  retention: null,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

describe('route rendering', () => {
  it('lists rules, bordered only on a terminal', () => {
    const [tty, plain] = renderBothWays((tty) => renderRouteList([route], tty));
    for (const text of [tty, plain])
      assert.match(text, /acme-news.*customer=acme,class=news.*hls-h264 -> cdn\/vod\/\{customer\}\/\{stem\}\//);
    assert.match(renderRouteList([], false), /^No routes\./);
  });

  it('says what was saved and how to try it, or what was removed', () => {
    const saved = renderRouteSaved(route);
    assert.match(saved, /^Route 'acme-news' saved\.\nName\s+acme-news$/m);
    assert.match(saved, /\n\nSee what it does with a source: mpegflow route test ALIAS\/BUCKET\/KEY --customer C --class K$/);
    assert.equal(renderRouteRemoved(route), "Route 'acme-news' removed.");
  });
});
