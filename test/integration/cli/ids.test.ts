import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseJson, tempHome } from '../../support/cli.ts';
import { runInProcess } from '../../support/in-process.ts';

/** Every command that takes a record id refuses anything but a positive whole number as a usage error. */
describe('ids and integer flags (CLI)', () => {
  const { home, cleanup } = tempHome('mpegflow-ids-');
  after(cleanup);
  const cli = (args: string[]) => runInProcess(args, { home });

  const commands: [string[], string, string][] = [
    [['job', 'show'], 'job', 'job list'],
    [['job', 'retry'], 'job', 'job list'],
    [['job', 'cancel'], 'job', 'job list'],
    [['audit', 'show'], 'audit entry', 'audit list'],
  ];
  for (const [command, noun, list] of commands) {
    for (const bad of ['-1', '0', 'NaN', 'abc', '1.5', '1e3', '99999999999999999999', '']) {
      it(`${command.join(' ')} ${JSON.stringify(bad)} is a usage error`, async () => {
        const res = await cli([...command, bad]);
        assert.equal(res.code, 2, res.stderr);
        assert.equal(
          res.stderr,
          `Error: ${noun} id must be a positive whole number, not '${bad}'\n  Try: find the id with \`mpegflow ${list}\`\n`,
        );
      });
    }
  }

  it('--json carries the usage error document', async () => {
    const res = await cli(['job', 'show', 'abc', '--json']);
    assert.equal(res.code, 2);
    assert.equal(parseJson<{ error: { code: string; kind: string } }>(res).error.code, 'USAGE');
  });

  it('a well-formed id that does not exist is not a usage error', async () => {
    const res = await cli(['job', 'show', '7']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /there is no job 7/);
  });

  for (const args of [
    ['job', 'list', '--limit', 'abc'],
    ['job', 'list', '--limit', '0'],
    ['audit', 'list', '--limit', '-5'],
    ['worker', '--drain', '--max-jobs', 'NaN'],
    ['job', 'show', '1', '--log-lines', '1000'],
  ]) {
    it(`${args.join(' ')} is a usage error naming the flag`, async () => {
      const res = await cli(args);
      assert.equal(res.code, 2, res.stderr);
      assert.match(res.stderr, /^Error: --[a-z-]+: Expected an integer/);
      assert.doesNotMatch(res.stderr, /internal error/);
    });
  }
});
