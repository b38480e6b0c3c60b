import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildSchemas, schemaDir } from '../../../scripts/schemas.ts';
import { builtinPresetDir } from '../../../src/core/encode/presets/presets.ts';
import { assertMatchesSchema } from '../../support/schemas.ts';

describe('published JSON Schemas (schemas/)', () => {
  it('are what `npm run schemas` writes from the current types: one per command, error.json and the inputs', async () => {
    const built = await buildSchemas();
    assert.deepEqual(readdirSync(schemaDir).sort(), [...built.keys()].sort(), 'schemas/ lists other files: run npm run schemas');
    for (const [name, text] of built) {
      assert.equal(readFileSync(path.join(schemaDir, name), 'utf8'), text, `schemas/${name} is stale: run npm run schemas`);
    }
  });

  it('are each named in the README', () => {
    const readme = readFileSync(path.join(schemaDir, '..', 'README.md'), 'utf8');
    for (const name of readdirSync(schemaDir)) assert.ok(readme.includes(`(schemas/${name})`), `README.md does not name schemas/${name}`);
  });

  it('preset.json accepts every built-in preset', () => {
    for (const file of readdirSync(builtinPresetDir())) {
      assertMatchesSchema('preset.json', JSON.parse(readFileSync(path.join(builtinPresetDir(), file), 'utf8')));
    }
  });
});
