import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseJson, tempHome } from '../../support/cli.ts';
import { runInProcess } from '../../support/in-process.ts';
import { makeVideo } from '../../support/media.ts';

/** An unset `$DEST` in a cron line (`--to "$DEST"`) must not write to the default destination. */
describe('an empty --to (CLI)', () => {
  const { home, cleanup } = tempHome('mpegflow-empty-to-');
  const work = path.join(home, 'media');
  after(cleanup);
  before(() => {
    mkdirSync(work, { recursive: true });
    makeVideo(path.join(work, 'clip.mp4'), { width: 320, height: 180, seconds: 1 });
  });
  const cli = (args: string[]) => runInProcess(args, { home, cwd: work, timeoutMs: 120_000 });

  for (const to of ['', ' ', '\t']) {
    for (const [name, args] of [
      ['encode', ['encode', 'clip.mp4', '--preset', 'mp4-h264', '--to', to]],
      ['encode -o', ['encode', 'clip.mp4', '--preset', 'mp4-h264', '-o', to]],
      ['job submit', ['job', 'submit', 'clip.mp4', '--preset', 'mp4-h264', `--to=${to}`]],
    ] as const) {
      it(`${name} ${JSON.stringify(to)} is a usage error and writes nothing`, async () => {
        const res = await cli([...args]);
        assert.equal(res.code, 2, res.stderr);
        assert.match(res.stderr, /^Error: --to is empty\n {2}Try: give a local folder or ALIAS\/BUCKET\/PREFIX\//);
        assert.deepEqual(readdirSync(work), ['clip.mp4']);
      });
    }
  }

  it('--json gives the usage error document, and no job was queued', async () => {
    const res = await cli(['job', 'submit', 'clip.mp4', '--to', '', '--json']);
    assert.equal(res.code, 2);
    assert.equal(parseJson<{ error: { code: string } }>(res).error.code, 'USAGE');
    const list = parseJson<{ jobs: unknown[] }>(await cli(['job', 'list', '--json']));
    assert.deepEqual(list.jobs, []);
  });
});
