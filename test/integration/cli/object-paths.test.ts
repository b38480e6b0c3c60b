import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, tempHome } from '../../support/cli.ts';
import { runInProcess } from '../../support/in-process.ts';
import { makeVideo } from '../../support/media.ts';

/**
 * A typo'd alias must not become a local folder: with an endpoint `dead`
 * configured, `--to ded/vod/clip/` would encode into ./ded/ and exit 0, and a
 * cron line would fill the local disk and never upload. No MinIO is needed:
 * every refusal comes before any request.
 */
describe('paths whose first part is neither an endpoint nor a folder here', () => {
  const { home, cleanup } = tempHome('mpegflow-object-paths-');
  const work = path.join(home, 'work');
  const cli = (args: string[]) => runInProcess(args, { home, cwd: work, env: { DEAD_SECRET: 'not-a-real-secret' } });
  /** Encodes that run ffmpeg run the built CLI as users do. */
  const spawned = (args: string[]) => runCli(args, { home, cwd: work, env: { DEAD_SECRET: 'not-a-real-secret' } });
  before(async () => {
    mkdirSync(path.join(work, 'outputs'), { recursive: true });
    makeVideo(path.join(work, 'clip.mp4'), { width: 320, height: 240, seconds: 1 });
    const added = await cli([
      'endpoint',
      'add',
      'dead',
      '--url',
      'http://127.0.0.1:9',
      '--access-key',
      'deadkey',
      '--secret-key-env',
      'DEAD_SECRET',
    ]);
    assert.equal(added.code, 0, added.stderr);
  });
  after(cleanup);

  const refused = (result: { code: number; stderr: string }, typed: string) => {
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`Error: '${typed.replaceAll('/', '\\/')}' starts with '\\w+', which is neither a configured endpoint nor a folder here`),
    );
    assert.match(result.stderr, new RegExp(`for a local folder write \\./${typed.replaceAll('/', '\\/')}`));
  };

  it('encode --to ded/vod/clip/: exit 2, "did you mean dead/vod/clip/", nothing written', async () => {
    const result = await cli(['encode', 'clip.mp4', '--to', 'ded/vod/clip/']);
    refused(result, 'ded/vod/clip/');
    assert.match(result.stderr, /did you mean 'dead\/vod\/clip\/'\? \(endpoints: dead\)/);
    assert.equal(existsSync(path.join(work, 'ded')), false);
  });

  it('job submit --to ded/vod/x/: exit 2, nothing queued', async () => {
    refused(await cli(['job', 'submit', 'clip.mp4', '--to', 'ded/vod/x/']), 'ded/vod/x/');
    const list = await cli(['job', 'list', '--json']);
    assert.deepEqual(JSON.parse(list.stdout).jobs, []);
  });

  it('a source nosuch/bucket/clip.mp4: exit 2 naming the endpoints, not "no such file"', async () => {
    const result = await cli(['encode', 'nosuch/bucket/clip.mp4']);
    refused(result, 'nosuch/bucket/clip.mp4');
    assert.match(result.stderr, /\(endpoints: dead\)/);
    assert.doesNotMatch(result.stderr, /no such file/);
  });

  it('an existing folder named without ./ is still local, and ./ always is', async () => {
    const result = await spawned(['encode', 'clip.mp4', '--preset', 'proxy', '--to', 'outputs/clip/']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(readdirSync(path.join(work, 'outputs', 'clip')).includes('proxy.mp4'));
    const dotted = await spawned(['encode', 'clip.mp4', '--preset', 'proxy', '--to', './new/clip/']);
    assert.equal(dotted.code, 0, dotted.stderr);
    assert.ok(existsSync(path.join(work, 'new', 'clip', 'proxy.mp4')));
  });

  it('--to ./clip.mp4/out/ names the file in the way, not the folder asked for', async () => {
    const result = await cli(['encode', 'clip.mp4', '--to', './clip.mp4/out/']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /the destination \S+\/clip\.mp4\/out cannot be a folder: \S+\/clip\.mp4 is a file/);
  });
});
