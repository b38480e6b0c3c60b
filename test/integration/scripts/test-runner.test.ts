import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../../support/cli.ts';

/**
 * scripts/test.mjs provisions what the chosen tests need before running them.
 * Each case runs it in a copy of the scripts with its own (empty) .tools and a
 * PATH without Go, so nothing can be built: it must stop at once and say how.
 */
describe('scripts/test.mjs', () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-testrunner-'));
  after(() => rmSync(base, { recursive: true, force: true }));

  const fakeRepo = (name: string) => {
    const dir = path.join(base, name);
    cpSync(path.join(repoRoot, 'scripts'), path.join(dir, 'scripts'), { recursive: true });
    mkdirSync(path.join(dir, 'test', 'support'), { recursive: true });
    writeFileSync(path.join(dir, 'test', 'support', 'minio.ts'), 'export const minio = 1;\n');
    writeFileSync(
      path.join(dir, 'test', 'needs-minio.test.ts'),
      "import { it } from 'node:test';\nimport { minio } from './support/minio.ts';\nit('ran', () => void minio);\n",
    );
    writeFileSync(path.join(dir, 'test', 'plain.test.ts'), "import { it } from 'node:test';\nit('ran', () => {});\n");
    return dir;
  };
  const run = (dir: string, file: string) => {
    const started = Date.now();
    const res = spawnSync(process.execPath, [path.join(dir, 'scripts', 'test.mjs'), file], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` },
      timeout: 60_000,
    });
    return { ...res, seconds: (Date.now() - started) / 1000 };
  };

  it('stops within seconds, naming what is missing and the command that installs it', () => {
    const dir = fakeRepo('missing');
    const res = run(dir, 'test/needs-minio.test.ts');
    assert.equal(res.status, 1, res.stderr);
    assert.ok(res.seconds < 20, `took ${res.seconds} s`);
    assert.match(res.stderr, /missing the pinned minio mc/);
    assert.match(res.stderr, /Go is needed/);
    assert.match(res.stderr, /Install them with: bash scripts\/install-minio\.sh/);
    assert.doesNotMatch(res.stdout, /pass \d/, 'the tests did not run');
  });

  it('reuses the pinned builds when they are present', () => {
    const dir = fakeRepo('present');
    const bin = path.join(dir, '.tools', 'bin');
    mkdirSync(bin, { recursive: true });
    const pins = [...readFileSync(path.join(dir, 'scripts', 'install-minio.sh'), 'utf8').matchAll(/"(minio|mc) (\S+) (\S+)"/g)];
    assert.equal(pins.length, 2);
    for (const [, name, module, version] of pins) {
      writeFileSync(path.join(bin, name!), '#!/bin/sh\n');
      chmodSync(path.join(bin, name!), 0o755);
      writeFileSync(path.join(bin, `${name}.version`), `${module}@${version}\n`);
    }
    const res = run(dir, 'test/needs-minio.test.ts');
    assert.equal(res.status, 0, res.stderr + res.stdout);
    assert.match(res.stdout, /pass 1/);
    assert.doesNotMatch(res.stderr, /install-minio/);
  });

  it('asks for nothing when the chosen tests need nothing', () => {
    const res = run(fakeRepo('plain'), 'test/plain.test.ts');
    assert.equal(res.status, 0, res.stderr + res.stdout);
    assert.match(res.stdout, /pass 1/);
  });
});
