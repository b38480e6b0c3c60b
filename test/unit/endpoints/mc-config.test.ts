import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultMcConfigPath, importSkipReason, planMcImport, readMcAliases, type McAlias } from '../../../src/core/endpoints/mc-config.ts';
import { tempHome } from '../../support/cli.ts';

const { home, cleanup } = tempHome('mpegflow-mc-');
after(cleanup);

const edge: McAlias = { alias: 'edge1', url: 'http://10.0.0.5:9000/', accessKey: 'encoder', secretKey: 'encoder-secret-1' };
const play: McAlias = {
  alias: 'play',
  url: 'https://play.min.io',
  accessKey: 'Q3AM3UQ867SPQQA43P2F',
  secretKey: 'zuf+tfteSlswRu7BJ86wekitnifILbZam1KYY3TG',
};
const local: McAlias = {
  alias: 'local',
  url: 'http://localhost:9000',
  accessKey: 'YOUR-ACCESS-KEY-HERE',
  secretKey: 'YOUR-SECRET-KEY-HERE',
};

describe("mc's configuration", () => {
  it('is found in $MC_CONFIG_DIR, else ~/.mc', () => {
    assert.equal(defaultMcConfigPath({ MC_CONFIG_DIR: '/srv/mc' }), '/srv/mc/config.json');
    assert.match(defaultMcConfigPath({}), /\/\.mc\/config\.json$/);
  });

  it('reads aliases from the current and the old (hosts) layout, and refuses what is not one', () => {
    const file = path.join(home, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ version: '10', aliases: { edge1: { url: edge.url, accessKey: edge.accessKey, secretKey: edge.secretKey } } }),
    );
    assert.deepEqual(readMcAliases(file), [edge]);
    writeFileSync(file, JSON.stringify({ version: '9', hosts: { old: { url: 'http://o:9000' } } }));
    assert.deepEqual(readMcAliases(file), [{ alias: 'old', url: 'http://o:9000', accessKey: '', secretKey: '' }]);
    writeFileSync(file, '{ not json');
    assert.throws(() => readMcAliases(file), { code: 'MC_CONFIG_INVALID' });
    writeFileSync(file, '{}');
    assert.throws(() => readMcAliases(file), /has no aliases/);
  });

  it("leaves out mc's placeholder and demo aliases", () => {
    assert.equal(importSkipReason(edge), undefined);
    assert.equal(importSkipReason(play), 'public demo server');
    assert.equal(importSkipReason(local), 'placeholder credentials');
    assert.equal(importSkipReason({ ...edge, secretKey: '' }), 'no credentials');
  });
});

describe('planning an import from mc', () => {
  it('makes endpoints with stored secrets and says why each other alias was skipped', () => {
    const plan = planMcImport([edge, play, local, { ...edge, alias: 'bad name!' }], { file: 'config.json', role: 'edge' });
    assert.deepEqual(plan.endpoints, [
      {
        name: 'edge1',
        url: 'http://10.0.0.5:9000',
        accessKey: 'encoder',
        secret: { kind: 'stored', value: 'encoder-secret-1' },
        region: 'us-east-1',
        caCertPath: null,
        role: 'edge',
        labels: { 'imported-from': 'mc' },
      },
    ]);
    assert.deepEqual(
      plan.skipped.map((s) => s.name),
      ['play', 'local', 'bad name!'],
    );
  });

  it('takes only the aliases asked for, and refuses one the file does not have', () => {
    assert.deepEqual(
      planMcImport([edge, { ...edge, alias: 'edge2' }], { file: 'f', only: ['edge2'] }).endpoints.map((e) => e.name),
      ['edge2'],
    );
    assert.throws(
      () => planMcImport([edge], { file: 'f', only: ['edge1', 'nope'] }),
      (error: Error & { exitCode?: number }) => {
        assert.equal(error.message, "f has no alias 'nope'");
        assert.equal(error.exitCode, 2);
        return true;
      },
    );
  });
});
