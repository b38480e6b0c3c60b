import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot, tempHome } from '../../support/cli.ts';

/**
 * bin/mpegflow is what `npm link` and a global install put on PATH: a symlink
 * to it must find bin/run.js beside the real file, on the node found on PATH,
 * with V8's semi-spaces capped (bench/scale.ts shows what that saves).
 */
describe('the mpegflow launcher', () => {
  const { home: dir, cleanup } = tempHome('mpegflow-launcher-');
  after(cleanup);

  it('runs the CLI through a symlink elsewhere, with the semi-space cap given to node', () => {
    const onPath = path.join(dir, 'bin');
    mkdirSync(onPath);
    symlinkSync(path.join(repoRoot, 'bin', 'mpegflow'), path.join(onPath, 'mpegflow'));
    const seen = path.join(dir, 'exec-argv.json');
    const record = path.join(dir, 'record.mjs');
    writeFileSync(
      record,
      `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(seen)}, JSON.stringify(process.execArgv));\n`,
    );
    const res = spawnSync('mpegflow', ['--version'], {
      cwd: dir,
      env: {
        ...process.env,
        PATH: [onPath, path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
        MPEGFLOW_HOME: path.join(dir, 'home'),
        NODE_OPTIONS: `--import ${record}`,
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(res.status, 0, res.stderr);
    const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.match(res.stdout, new RegExp(`^mpegflow/${version.replace(/\./g, '\\.')} `));
    assert.ok((JSON.parse(readFileSync(seen, 'utf8')) as string[]).includes('--max-semi-space-size=16'));
  });
});
