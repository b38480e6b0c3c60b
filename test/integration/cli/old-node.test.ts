import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot, tempHome } from '../../support/cli.ts';

/**
 * On a Node.js older than 22 the native SQLite addon crashes (segfault);
 * bin/run.js must say which Node is needed and how to get it, exit 1, and
 * load nothing (no state file is made).
 */
describe('mpegflow on a Node.js older than 22', () => {
  const { home, cleanup } = tempHome('mpegflow-old-node-');
  after(cleanup);
  const run = (node: string, nodeArgs: string[] = [], entry = 'run.js') =>
    spawnSync(node, [...nodeArgs, path.join(repoRoot, 'bin', entry), 'endpoint', 'list'], {
      env: { ...process.env, MPEGFLOW_HOME: home, NODE_OPTIONS: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
  const expectRefusal = (res: ReturnType<typeof run>, version: RegExp) => {
    assert.equal(res.signal, null, 'no crash');
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr, /^Error: mpegflow needs Node\.js 22 or newer; this is Node\.js v/);
    assert.match(res.stderr, version);
    assert.match(res.stderr, /\n {2}Try: source .*scripts\/env\.sh .*, or install Node\.js 22 or newer\n$/);
    assert.equal(res.stdout, '');
    assert.deepEqual(readdirSync(home), [], 'nothing was opened or created');
  };

  const systemNode = spawnSync('/usr/bin/node', ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' });
  const systemMajor = systemNode.status === 0 ? Number(systemNode.stdout.trim()) : Number.NaN;
  it("the machine's own old Node (/usr/bin/node)", { skip: !(systemMajor < 22) && 'no Node older than 22 at /usr/bin/node' }, () => {
    expectRefusal(run('/usr/bin/node'), new RegExp(`this is Node\\.js v${systemMajor}\\.\\d+\\.\\d+ \\(/usr/bin/node\\)`));
    expectRefusal(run('/usr/bin/node', [], 'dev.js'), /\(\/usr\/bin\/node\)/);
  });

  it('any Node that reports a version below 22', () => {
    const pretend =
      'data:text/javascript,Object.defineProperty(process, "versions", { value: { ...process.versions, node: "20.1.0" } });' +
      'Object.defineProperty(process, "version", { value: "v20.1.0" });';
    expectRefusal(run(process.execPath, ['--import', pretend]), /this is Node\.js v20\.1\.0/);
  });
});
