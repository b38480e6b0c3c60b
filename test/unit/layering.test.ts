import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `npm run lint`'s import rules, held in the test run too: CI runs the tests, and a circle must not land. */
describe('layering', () => {
  it('no import circles (type-only imports count); core imports no CLI, rendering or terminal library; ui imports core types (and notation.ts) and no commands', () => {
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs'), 'src', '--config', '.dependency-cruiser.cjs'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /no dependency violations found \(\d+ modules/);
  });
});
