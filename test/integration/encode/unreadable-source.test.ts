import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliEntry } from '../../support/cli.ts';
import { grantTraverse } from '../../support/other-user.ts';
import { makeVideo } from '../../support/media.ts';

/**
 * A source the user cannot read is not "corrupt or truncated": it is a
 * permission problem, and says so. Root reads anything, so as root the CLI
 * runs as `nobody` (setpriv).
 */
describe('a source the user cannot read (CLI)', () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-unreadable-'));
  const home = path.join(base, 'home');
  const clip = path.join(base, 'clip.mp4');
  const asRoot = process.getuid?.() === 0;
  const nobody = asRoot ? spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }) : undefined;
  // a checkout in a private folder: nobody may enter the folders above node and the CLI for this test alone
  let revoke = () => {};
  after(() => {
    revoke();
    rmSync(base, { recursive: true, force: true });
  });
  before(() => {
    if (asRoot && nobody?.status === 0) revoke = grantTraverse('nobody', [process.execPath, cliEntry]);
    chmodSync(base, 0o755);
    makeVideo(clip, { width: 320, height: 180, seconds: 1 });
    chmodSync(clip, 0o000);
    makeVideo(path.join(base, 'readable.mp4'), { width: 320, height: 180, seconds: 1 });
    mkdirSync(path.join(base, 'masters', 'locked'), { recursive: true });
    copyFileSync(clip, path.join(base, 'masters', 'a.mp4'));
    chmodSync(path.join(base, 'masters', 'a.mp4'), 0o644);
    chmodSync(path.join(base, 'masters', 'locked'), 0o000);
    if (asRoot) {
      // the state folder belongs to the user the CLI runs as
      mkdirSync(home, { mode: 0o700 });
      chownSync(home, Number(nobody!.stdout.trim()), Number(spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).stdout.trim()));
      chmodSync(base, 0o777);
    }
  });
  const run = (args: string[]) => {
    const cmd = [process.execPath, cliEntry, ...args];
    const [file, ...rest] = asRoot ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', ...cmd] : cmd;
    return spawnSync(file!, rest, {
      cwd: base,
      env: { ...process.env, MPEGFLOW_HOME: home, HOME: home, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
  };

  it('encode says permission denied, and writes nothing', { skip: asRoot && nobody?.status !== 0 && 'no user nobody' }, () => {
    const res = run(['encode', clip, '--preset', 'mp4-h264', '--to', path.join(base, 'out')]);
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr, /Error: cannot read .*clip\.mp4: permission denied\n {2}Try: check the file's permissions/);
    assert.doesNotMatch(res.stderr, /corrupt|truncated/);
    assert.ok(!readdirSync(base).includes('out'));
  });

  it('--json names the code', { skip: asRoot && nobody?.status !== 0 && 'no user nobody' }, () => {
    const res = run(['encode', clip, '--preset', 'mp4-h264', '--json']);
    assert.equal(res.status, 1);
    const doc = JSON.parse(res.stdout) as { error: { code: string; message: string } };
    assert.equal(doc.error.code, 'SOURCE_UNREADABLE');
    assert.match(doc.error.message, /permission denied/);
  });

  it(
    'job submit --recursive names the folder it cannot read, and queues nothing',
    { skip: asRoot && nobody?.status !== 0 && 'no user nobody' },
    () => {
      const res = run(['job', 'submit', path.join(base, 'masters'), '--recursive', '--preset', 'mp4-h264', '--json']);
      assert.equal(res.status, 1, res.stderr);
      const doc = JSON.parse(res.stdout) as { error: { code: string; message: string } };
      assert.equal(doc.error.code, 'SOURCE_UNREADABLE');
      assert.equal(doc.error.message, `cannot read ${path.join(base, 'masters', 'locked')}: permission denied`);
      const jobs = run(['job', 'list', '--json']);
      assert.equal(jobs.status, 0, jobs.stderr);
      assert.deepEqual((JSON.parse(jobs.stdout) as { jobs: unknown[] }).jobs, []);
    },
  );

  it(
    'verify of an output it cannot read says so (exit 1: not checked), not that it is missing',
    { skip: asRoot && nobody?.status !== 0 && 'no user nobody' },
    () => {
      const out = path.join(base, 'encoded');
      const encoded = run(['encode', path.join(base, 'readable.mp4'), '--preset', 'mp4-h264', '--to', out]);
      assert.equal(encoded.status, 0, encoded.stderr);
      assert.equal(run(['verify', out]).status, 0);
      const video = readdirSync(out).find((name) => name.endsWith('.mp4'))!;
      chmodSync(path.join(out, video), 0o000);
      const res = run(['verify', out, '--json']);
      assert.equal(res.status, 1, res.stdout + res.stderr);
      const { error } = JSON.parse(res.stdout) as { error: { code: string; message: string } };
      assert.deepEqual([error.code, error.message], ['OUTPUT_UNREADABLE', `cannot read ${path.join(out, video)}: permission denied`]);
    },
  );

  it(
    'encode --to a folder it may write whose parent it may not (a mounted disk under /mnt) stages inside it',
    { skip: asRoot && nobody?.status !== 0 && 'no user nobody' },
    () => {
      const mount = path.join(base, 'mnt');
      const disk = path.join(mount, 'usb');
      mkdirSync(disk, { recursive: true });
      if (asRoot)
        chownSync(disk, Number(nobody!.stdout.trim()), Number(spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).stdout.trim()));
      chmodSync(mount, 0o555);
      try {
        const res = run(['encode', path.join(base, 'readable.mp4'), '--preset', 'mp4-h264', '--to', `${disk}/`, '--json']);
        assert.equal(res.status, 0, res.stdout + res.stderr);
        assert.ok(readdirSync(disk).includes('manifest.json'));
        assert.deepEqual(
          readdirSync(disk).filter((name) => name.includes('mpegflow')),
          [],
        );
      } finally {
        chmodSync(mount, 0o755);
      }
    },
  );
});
