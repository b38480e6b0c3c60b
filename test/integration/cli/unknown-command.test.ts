import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { cliEntry, parseJson, tempHome, terminalAvailable } from '../../support/cli.ts';
import { runInProcess } from '../../support/in-process.ts';
import type { CommandHelp } from '../../../src/cli/help.ts';

describe('an unknown command (CLI)', () => {
  const { home, cleanup } = tempHome();
  after(cleanup);

  it('is a usage error in our Error:/Try: form with a did-you-mean', async () => {
    const res = await runInProcess(['endpont', 'add', 'e1'], { home });
    assert.equal(res.code, 2, res.stderr);
    assert.equal(
      res.stderr,
      "Error: 'endpont add' is not a mpegflow command\n  Try: did you mean `mpegflow endpoint add`? (`mpegflow help` lists the commands)\n",
    );
    assert.doesNotMatch(res.stderr, /›/);
    assert.equal(res.stdout, '');
  });

  it('suggests within a topic, and says where the list is when nothing is close', async () => {
    const sub = await runInProcess(['replicate', 'stauts'], { home });
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /did you mean `mpegflow replicate status`\? \(`mpegflow help replicate` lists the commands\)/);
    const none = await runInProcess(['xyzzy'], { home });
    assert.equal(none.code, 2);
    assert.equal(none.stderr, "Error: 'xyzzy' is not a mpegflow command\n  Try: `mpegflow help` lists the commands\n");
  });

  it('`help` of an unknown command says so the same way', async () => {
    const res = await runInProcess(['help', 'replicate', 'stauts'], { home });
    assert.equal(res.code, 2, res.stderr);
    assert.equal(
      res.stderr,
      "Error: 'replicate stauts' is not a mpegflow command\n  Try: did you mean `mpegflow replicate status`? (`mpegflow help replicate` lists the commands)\n",
    );
    const known = await runInProcess(['help', 'replicate', 'status'], { home });
    assert.equal(known.code, 0, known.stderr);
    assert.match(known.stdout, /USAGE\n {2}\$ mpegflow replicate status/);
  });

  it('`help --json` describes the commands for scripts; an unknown one is the same JSON usage error', async () => {
    const one = await runInProcess(['help', 'replicate', 'watch', '--json'], { home });
    assert.equal(one.code, 0, one.stderr);
    const [watch] = parseJson<{ commands: CommandHelp[] }>(one).commands;
    assert.equal(watch!.command, 'replicate watch');
    assert.deepEqual(
      watch!.flags.filter((f) => ['warn', 'once'].includes(f.name)).map((f) => [f.name, f.type, f.default]),
      [
        ['warn', 'option', '2m'],
        ['once', 'boolean', null],
      ],
    );
    assert.ok(
      watch!.examples.every((e) => e.startsWith('mpegflow replicate watch ')),
      watch!.examples.join('\n'),
    );
    const all = parseJson<{ commands: CommandHelp[] }>(await runInProcess(['help', '--json'], { home })).commands.map((c) => c.command);
    assert.ok(all.includes('job submit') && all.includes('help') && all.length > 40, all.join(', '));
    const topic = parseJson<{ commands: CommandHelp[] }>(await runInProcess(['help', 'route', '--json'], { home })).commands;
    assert.deepEqual(
      topic.map((c) => c.command),
      ['route add', 'route list', 'route remove', 'route show', 'route test'],
    );

    const unknown = await runInProcess(['help', 'replicate', 'stauts', '--json'], { home });
    assert.equal(unknown.code, 2);
    assert.equal(parseJson<{ error: { code: string } }>(unknown).error.code, 'USAGE');
    assert.equal(unknown.stderr, '');
  });

  it('stops quietly when the reader goes away (`| head`)', () => {
    const res = spawnSync('bash', ['-c', `'${process.execPath}' '${cliEntry}' help --json | head -c 1; exit \${PIPESTATUS[0]}`], {
      env: { ...process.env, MPEGFLOW_HOME: home },
      encoding: 'utf8',
    });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, '{');
    assert.equal(res.stderr, '');
  });

  it('never repeats what followed the command words', async () => {
    const res = await runInProcess(['endpont', 'add', 'e1', 'Unknown-cmd-secret-81', '--secret=Unknown-cmd-secret-82'], { home });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /not a mpegflow command/);
    assert.doesNotMatch(res.stdout + res.stderr, /Unknown-cmd-secret/);
  });

  it('prints the error document with --json', async () => {
    const res = await runInProcess(['helth', '--json'], { home });
    assert.equal(res.code, 2);
    const doc = parseJson<{ error: { code: string; suggestion: string } }>(res);
    assert.equal(doc.error.code, 'USAGE');
    assert.match(doc.error.suggestion, /mpegflow health/);
  });

  it('does the same on a terminal (no prompt)', { skip: !terminalAvailable() && 'util-linux script(1) is not installed' }, () => {
    const res = spawnSync('script', ['-qec', `'${process.execPath}' '${cliEntry}' helth`, '/dev/null'], {
      env: { ...process.env, MPEGFLOW_HOME: home, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 30_000,
      input: '',
    });
    assert.equal(res.status, 2, res.stdout);
    assert.match(res.stdout, /Error: 'helth' is not a mpegflow command\r?\n {2}Try: did you mean `mpegflow health`\?/);
  });
});
