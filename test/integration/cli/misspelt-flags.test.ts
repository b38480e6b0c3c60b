import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { tempHome } from '../../support/cli.ts';
import { runInProcess } from '../../support/in-process.ts';

const SECRET = 'Mistyped-flag-secret-Qz81-never-shown';

/** A misspelt or nonexistent flag may carry a secret: its value must reach neither the screen nor the audit log. */
describe('values of unknown flags (CLI)', () => {
  const { home, cleanup } = tempHome();
  after(cleanup);
  const add = (extra: string[]) =>
    runInProcess(['endpoint', 'add', 'e1', '--url', 'http://127.0.0.1:9000', '--access-key', 'enc', ...extra], { home });

  const spellings = [[`--secret=${SECRET}`], [`--scret-kye=${SECRET}`], [`--acess-key=${SECRET}`], ['--foo', SECRET], ['-z', SECRET]];
  for (const spelling of spellings) {
    for (const mode of [[], ['--verbose'], ['--json']]) {
      it(`${spelling[0]!.replace(/=.*/, '=VALUE')} ${mode.join(' ')}: a usage error that does not echo the value`, async () => {
        const res = await add([...spelling, ...mode]);
        assert.equal(res.code, 2, res.stderr);
        const output = res.stdout + res.stderr;
        assert.ok(output.length > 0, 'the error was printed');
        assert.match(output, /Nonexistent flag/);
        assert.ok(!output.includes(SECRET), output);
      });
    }
  }

  it('a known secret flag given a value on the command line is refused without echoing it', async () => {
    const res = await add([`--secret-key=${SECRET}`, '--verbose']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /refusing a secret key given on the command line/);
    assert.ok(!(res.stdout + res.stderr).includes(SECRET));
  });

  it('the audit log holds the failures, redacted', () => {
    const rows = execFileSync('sqlite3', [path.join(home, 'state.db'), 'SELECT args || detail FROM audit_log'], { encoding: 'utf8' });
    assert.ok(rows.split('\n').filter(Boolean).length >= spellings.length * 3, rows);
    assert.match(rows, /\[REDACTED\]/);
    assert.ok(!rows.includes(SECRET), rows);
  });
});
