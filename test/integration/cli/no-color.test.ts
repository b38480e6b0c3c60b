import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { spawnCliOnTerminal, tempHome, terminalAvailable } from '../../support/cli.ts';

const BOLD = '\x1b[1m';

describe('NO_COLOR on a terminal', { skip: !terminalAvailable() && 'util-linux script(1) is not installed' }, () => {
  const { home, cleanup } = tempHome('mpegflow-no-color-');
  after(cleanup);
  const presetList = async (noColor: string) => {
    // as on a person's terminal: CI set (as on CI machines) turns styling off by itself (cli-table3's colours)
    const cli = spawnCliOnTerminal(['preset', 'list'], { home, env: { TERM: 'xterm', NO_COLOR: noColor, CI: undefined } });
    assert.equal(await cli.exited, 0, cli.log());
    assert.match(cli.log(), /┌/, 'a bordered table: it ran on a terminal');
    return cli.log();
  };

  it('headings are bold on a terminal, with NO_COLOR unset or empty', async () => {
    assert.ok((await presetList('')).includes(BOLD));
  });

  it('NO_COLOR set: no styling at all, the table and its borders stay', async () => {
    assert.ok(!(await presetList('1')).includes('\x1b['), 'no escape sequence');
  });
});
