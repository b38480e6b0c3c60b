import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseJson, tempHome } from '../../support/cli.ts';
import { runInProcess } from '../../support/in-process.ts';

/** Ports and host names that no server can have are refused before anything is saved. */
describe('endpoint add --url: ports and host names (CLI)', () => {
  const { home, cleanup } = tempHome('mpegflow-endpoint-url-');
  after(cleanup);
  const add = (url: string) =>
    runInProcess(['endpoint', 'add', 'bad', '--url', url, '--access-key', 'enc', '--secret-key-stdin'], { home, input: 'whatever-secret' });

  const label = (n: number) => 'a'.repeat(n);
  for (const [name, url, message] of [
    ['port 0', 'http://host:0', /has port 0: a port is 1-65535/],
    ['port 00', 'http://host:00', /has port 00: a port is 1-65535/],
    ['port 65536', 'http://host:65536', /has port 65536: a port is 1-65535/],
    ['port 99999 on IPv6', 'http://[::1]:99999', /has port 99999: a port is 1-65535/],
    ['a 100 KB host name', `http://${label(100_000)}:9000`, /does not have a valid host name: at most 253 characters/],
    ['a 254-character host name', `http://${[label(63), label(63), label(63), label(62)].join('.')}:9000`, /valid host name/],
    ['a 64-character label', `http://${label(64)}.example:9000`, /labels of 1-63/],
    ['an empty label', 'http://minio..example:9000', /valid host name/],
  ] as const) {
    it(`refuses ${name}, saving nothing`, async () => {
      const res = await add(url);
      assert.equal(res.code, 1, res.stderr);
      assert.match(res.stderr, message);
      assert.ok(res.stderr.length < 600, 'a huge value is not repeated whole');
      const list = parseJson<{ endpoints: unknown[] }>(await runInProcess(['endpoint', 'list', '--json'], { home }));
      assert.deepEqual(list.endpoints, []);
    });
  }

  it('a URL with a password that cannot be parsed: the password reaches neither the screen nor the audit log', async () => {
    const res = await add('http://user:Url-password-Zq7@host:99999');
    assert.equal(res.code, 1);
    assert.match(res.stderr, /is not a URL/);
    assert.doesNotMatch(res.stdout + res.stderr, /Url-password-Zq7/);
    const audit = execFileSync('sqlite3', [path.join(home, 'state.db'), 'SELECT args || detail FROM audit_log'], { encoding: 'utf8' });
    assert.match(audit, /is not a URL/);
    assert.doesNotMatch(audit, /Url-password-Zq7/);
  });

  it('accepts the limits themselves', async () => {
    const longest = [label(63), label(63), label(63), label(61)].join('.');
    assert.equal(longest.length, 253);
    const res = await add(`https://${longest}:65535`);
    assert.equal(res.code, 0, res.stderr);
    const show = parseJson<{ url: string }>(await runInProcess(['endpoint', 'show', 'bad', '--json'], { home }));
    assert.equal(show.url, `https://${longest}:65535`);
  });
});
