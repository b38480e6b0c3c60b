import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, tempHome } from '../../support/cli.ts';

/**
 * A FIFO given where a file is expected must be refused at once: opening it
 * for reading would block until a writer comes, forever under cron.
 */
describe('a FIFO where a file is expected (CLI)', () => {
  const { home, cleanup } = tempHome('mpegflow-fifo-');
  const fifo = path.join(home, 'pipe');
  const folder = path.join(home, 'folder');
  after(cleanup);
  before(() => {
    execFileSync('mkfifo', [fifo]);
    mkdirSync(folder);
  });
  const cli = (args: string[], input?: string) => runCli(args, { home, input, cwd: home, timeoutMs: 20_000 });

  const cases: [string, string[], number, RegExp, string?][] = [
    ['license verify FILE', ['license', 'verify', fifo], 3, /cannot read the license file .*pipe: it is a FIFO \(named pipe\)/],
    ['license install FILE', ['license', 'install', fifo], 1, /cannot read the license file .*pipe: it is a FIFO/],
    [
      'license verify --trusted-key',
      ['license', 'verify', '-', '--trusted-key', fifo],
      3,
      /cannot read the key file .*pipe: it is a FIFO/,
      'x.y.z',
    ],
    ['encode --preset-file', ['encode', 'clip.mov', '--preset-file', fifo], 1, /cannot read the preset file .*pipe: it is a FIFO/],
    [
      'job submit --preset-file',
      ['job', 'submit', 'clip.mov', '--preset-file', fifo],
      1,
      /cannot read the preset file .*pipe: it is a FIFO/,
    ],
    [
      'endpoint add --ca-cert',
      ['endpoint', 'add', 'e1', '--url', 'https://127.0.0.1:9000', '--access-key', 'enc', '--secret-key-stdin', '--ca-cert', fifo],
      1,
      /cannot read the CA certificate .*pipe: it is a FIFO/,
      'secret-value-1234',
    ],
    ['endpoint import PATH', ['endpoint', 'import', '--from-mc', fifo], 1, /cannot read mc's configuration .*pipe: it is a FIFO/],
    ['a device as a license', ['license', 'verify', '/dev/zero'], 3, /cannot read the license file \/dev\/zero: it is a device/],
    [
      'a folder as a key file',
      ['license', 'verify', '-', '--trusted-key', folder],
      3,
      /cannot read the key file .*folder: it is a folder/,
      'x.y.z',
    ],
  ];
  for (const [name, args, code, message, input] of cases) {
    it(`${name}: refused at once`, async () => {
      const started = Date.now();
      const res = await cli(args, input);
      assert.ok(Date.now() - started < 15_000, 'did not block');
      assert.equal(res.code, code, res.stderr + res.stdout);
      assert.match(res.stderr + res.stdout, message);
    });
  }
});
