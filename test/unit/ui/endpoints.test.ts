import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderBothWays } from '../../support/tty.ts';
import type { Endpoint } from '../../../src/core/endpoints/model.ts';
import type { EndpointTestOutput } from '../../../src/core/endpoints/probe.ts';
import {
  renderEndpointImport,
  renderEndpointList,
  renderEndpointRemoved,
  renderEndpointSaved,
  renderEndpointTest,
} from '../../../src/ui/endpoints.ts';

const endpoint: Endpoint = {
  name: 'edge1',
  url: 'https://edge1.example:9000',
  accessKey: 'encoder',
  secretSource: { kind: 'stored' },
  region: 'us-east-1',
  caCertPath: '/etc/pki/site-ca.pem',
  role: 'edge',
  labels: { site: 'paris' },
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

describe('endpoint rendering', () => {
  it('lists endpoints without their secrets, bordered only on a terminal', () => {
    const [tty, plain] = renderBothWays((tty) => renderEndpointList([endpoint], tty));
    for (const text of [tty, plain])
      assert.match(text, /edge1.*https:\/\/edge1\.example:9000.*edge.*encoder.*stored \(hidden\).*custom.*site=paris/);
    assert.match(renderEndpointList([], false), /^No endpoints yet\./);
  });

  it('says what was saved or removed, and how to test it', () => {
    const saved = renderEndpointSaved(endpoint, '/home/op/.local/state/mpegflow/host-secrets.json');
    assert.match(saved, /^Endpoint 'edge1' saved\.\nName\s+edge1$/m);
    assert.match(saved, /\n\nTest it with: mpegflow endpoint test edge1$/);
    assert.match(
      renderEndpointSaved({ ...endpoint, secretSource: { kind: 'host' } }, '/srv/mf/host-secrets.json'),
      /stored on this host only \(\/srv\/mf\/host-secrets\.json\)/,
    );
    assert.equal(renderEndpointRemoved(endpoint), "Endpoint 'edge1' (https://edge1.example:9000) removed.");
  });

  it('gives the verdict of a test, then each check', () => {
    const result: EndpointTestOutput = {
      endpoint: 'edge1',
      url: endpoint.url,
      ok: false,
      latencyMs: null,
      server: null,
      buckets: null,
      checks: [{ name: 'credentials', ok: false, detail: 'refused' }],
    };
    for (const tty of [true, false]) {
      const text = renderEndpointTest(result, tty);
      assert.match(text, /^edge1 \(https:\/\/edge1\.example:9000\): PROBLEMS\n/);
      assert.match(text, /credentials.*FAILED.*refused/);
    }
  });

  it('names what an import took and why it skipped the rest', () => {
    const text = renderEndpointImport({ imported: [endpoint], skipped: [{ name: 'play', reason: 'a public demo alias' }] }, false);
    assert.match(text, /^Imported 1 endpoint: edge1\.\n\nSkipped:\n/);
    assert.match(text, /play\s+a public demo alias/);
    assert.equal(renderEndpointImport({ imported: [], skipped: [] }, true), 'Imported 0 endpoints.');
  });
});
