import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliEntry } from '../../support/cli.ts';
import { grantTraverse } from '../../support/other-user.ts';

/**
 * A state file the operator made read-only stays read-only: MpegFlow reads
 * it, and a command that would write says why it cannot. Root writes
 * anything, so as root the CLI runs as `nobody` (setpriv).
 */
describe('a read-only state file (CLI)', () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-readonly-'));
  const home = path.join(base, 'home');
  const file = path.join(home, 'state.db');
  const asRoot = process.getuid?.() === 0;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'nobody'], { encoding: 'utf8' }).stdout.trim());
  const skip = asRoot && spawnSync('id', ['-u', 'nobody']).status !== 0 && 'no user nobody';
  const run = (args: string[]) => {
    const cmd = [process.execPath, cliEntry, ...args];
    const [bin, ...rest] = asRoot ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', ...cmd] : cmd;
    return spawnSync(bin!, rest, {
      cwd: base,
      env: { ...process.env, MPEGFLOW_HOME: home, HOME: home, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
  };
  // a checkout in a private folder: nobody may enter the folders above node and the CLI for this test alone
  let revoke = () => {};
  after(() => {
    revoke();
    rmSync(base, { recursive: true, force: true });
  });
  before(() => {
    if (asRoot && !skip) revoke = grantTraverse('nobody', [process.execPath, cliEntry]);
    chmodSync(base, 0o755);
    mkdirSync(home, { mode: 0o700 });
    if (asRoot) chownSync(home, id('-u'), id('-g'));
    assert.equal(
      run(['job', 'submit', path.join(base, 'clip.mov'), '--preset', 'mp4-h264']).status,
      1,
      'the state exists (the missing file is refused after it opened)',
    );
    const audit = run(['endpoint', 'add', 'e', '--url', 'http://127.0.0.1:9', '--access-key', 'encoder', '--secret-key-env', 'E_SECRET']);
    assert.equal(audit.status, 0, audit.stderr);
    chmodSync(file, 0o400);
  });

  it('reads it, refuses to write with the reason, and leaves the mode as the operator set it', { skip }, () => {
    const before = readFileSync(file);
    const list = run(['endpoint', 'list', '--json']);
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { endpoints: { name: string }[] }).endpoints.map((e) => e.name),
      ['e'],
    );
    const write = run(['endpoint', 'remove', 'e']);
    assert.equal(write.status, 1);
    assert.match(write.stderr, /^Error: the state file .*state\.db is not writable/m);
    assert.doesNotMatch(write.stderr, /unexpected internal error/);
    assert.equal(statSync(file).mode & 0o777, 0o400, 'never made writable again');
    assert.deepEqual(readFileSync(file), before, 'nothing written');
  });

  it('in a read-only folder (a backup on read-only media) it reads a copy, and still refuses to write', { skip }, () => {
    const copies = () => readdirSync(os.tmpdir()).filter((f) => f.startsWith('mpegflow-state-')).length;
    const before = readFileSync(file);
    const leftBefore = copies();
    for (const sidecar of ['-wal', '-shm']) rmSync(`${file}${sidecar}`, { force: true }); // as a clean shutdown leaves it
    chmodSync(home, 0o500);
    try {
      const list = run(['endpoint', 'list', '--json']);
      assert.equal(list.status, 0, list.stderr);
      assert.deepEqual(
        (JSON.parse(list.stdout) as { endpoints: { name: string }[] }).endpoints.map((e) => e.name),
        ['e'],
      );
      const verify = run(['audit', 'verify']);
      assert.equal(verify.status, 0, verify.stderr);
      assert.match(verify.stdout, /Audit chain intact: \d+ entries verified/);
      const write = run(['endpoint', 'remove', 'e']);
      assert.equal(write.status, 1);
      assert.match(write.stderr, /^Error: the state file .*state\.db is not writable/m);
      assert.deepEqual(readFileSync(file), before, 'nothing written');
      assert.deepEqual(readdirSync(home), ['state.db'], 'nothing made beside it');
      assert.equal(copies(), leftBefore, 'the copies are removed');
    } finally {
      chmodSync(home, 0o700);
    }
  });
});
