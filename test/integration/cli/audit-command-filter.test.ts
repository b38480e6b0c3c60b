import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseJson, tempHome } from '../../support/cli.ts';
import { runInProcess } from '../../support/in-process.ts';

describe('audit list --command (CLI)', () => {
  const { home, cleanup } = tempHome('mpegflow-audit-filter-');
  after(cleanup);
  const cli = (args: string[], input?: string) => runInProcess(args, { home, input });
  before(async () => {
    const add = await cli(
      ['endpoint', 'add', 'e1', '--url', 'http://127.0.0.1:9000', '--access-key', 'enc', '--secret-key-stdin'],
      'secret-value-1234\n',
    );
    assert.equal(add.code, 0, add.stderr);
  });
  const commands = async (filter: string) =>
    parseJson<{ entries: { command: string }[] }>(await cli(['audit', 'list', '--command', filter, '--json'])).entries.map(
      (e) => e.command,
    );

  for (const [name, value] of [
    ['a 100 KB pattern', 'a'.repeat(100_000)],
    ['LIKE wildcards', 'end%'],
    ['an underscore wildcard', 'endpoint_add'],
    ['an empty value', ''],
    ['blanks', '   '],
  ]) {
    it(`${name} is a usage error`, async () => {
      const res = await cli(['audit', 'list', '--command', value!]);
      assert.equal(res.code, 2, res.stderr);
      assert.match(res.stderr, /^Error: --command takes a command or topic name such as "endpoint" or "endpoint add"/);
      assert.doesNotMatch(res.stderr, /internal error|too complex/);
      assert.ok(res.stderr.length < 400, 'the message does not repeat a huge value');
    });
  }

  it('topics, commands and the colon spelling still match', async () => {
    assert.deepEqual(await commands('endpoint'), ['endpoint add']);
    assert.deepEqual(await commands('endpoint add'), ['endpoint add']);
    assert.deepEqual(await commands('Endpoint:Add'), ['endpoint add']);
    assert.deepEqual(await commands('encode'), []);
  });
});
