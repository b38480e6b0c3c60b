import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseJson, runCli, tempHome, transcript } from '../../support/cli.ts';
import { runInProcess } from '../../support/in-process.ts';
import { makeTestCA } from '../../support/minio.ts';

const SECRET = 'Ze9-endpoint-secret-do-not-leak-7Qx';
const ENV_SECRET = 'Env-held-secret-also-private-42';
const MC_SECRET = 'mc-imported-secret-value-99';

describe('mpegflow endpoint (CLI)', () => {
  const { home, cleanup } = tempHome();
  after(cleanup);
  const cli = (args: string[], input?: string, env?: Record<string, string>) => runInProcess(args, { home, input, env });
  /** The endpoint commands' smoke tests, and what is about standard input, run the built CLI as users do. */
  const spawned = (args: string[], input?: string) => runCli(args, { home, input });

  it('adds an endpoint from stdin and never shows the secret', async () => {
    const add = await spawned(
      [
        'endpoint',
        'add',
        'edge1',
        '--url',
        'http://127.0.0.1:9000',
        '--access-key',
        'encoder',
        '--secret-key-stdin',
        '--role',
        'edge',
        '--label',
        'site=paris',
      ],
      `${SECRET}\n`,
    );
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /Endpoint 'edge1' saved/);
    const list = await spawned(['endpoint', 'list']);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /edge1\s+http:\/\/127\.0\.0\.1:9000\s+edge\s+encoder\s+stored \(hidden\)/);
    const show = parseJson<{ name: string; role: string; labels: Record<string, string> }>(
      await spawned(['endpoint', 'show', 'edge1', '--json']),
    );
    assert.equal(show.name, 'edge1');
    assert.deepEqual(show.labels, { site: 'paris' });
  });

  it('references a secret held in an environment variable without storing it', async () => {
    const add = await cli(
      [
        'endpoint',
        'add',
        'central',
        '--url',
        'https://minio.central.example:9000/',
        '--access-key',
        'enc',
        '--secret-key-env',
        'CENTRAL_SECRET',
        '--role',
        'central',
        '--json',
      ],
      undefined,
      { CENTRAL_SECRET: ENV_SECRET },
    );
    assert.equal(add.code, 0, add.stderr);
    const endpoint = parseJson<{ url: string; secretSource: { kind: string; variable: string } }>(add);
    assert.equal(endpoint.url, 'https://minio.central.example:9000');
    assert.deepEqual(endpoint.secretSource, { kind: 'env', variable: 'CENTRAL_SECRET' });
  });

  it('a warning goes to stderr and, in the same words, into the --json document', async () => {
    const args = ['endpoint', 'add', 'later', '--url', 'http://127.0.0.1:9000', '--access-key', 'enc', '--secret-key-env', 'LATER_SECRET'];
    const json = await cli([...args, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const warning = '$LATER_SECRET is not set in this environment; it must be set wherever mpegflow uses this endpoint';
    assert.deepEqual(parseJson<{ warnings: string[] }>(json).warnings, [warning]);
    assert.equal(json.stderr, `Warning: ${warning}\n`);
    const quiet = await cli(['endpoint', 'show', 'later', '--json']);
    assert.equal('warnings' in parseJson(quiet), false, 'a run that warned of nothing has no warnings');
  });

  it('refuses a secret on the command line, with a hint, and stores nothing', async () => {
    const res = await cli(['endpoint', 'add', 'leaky', '--url', 'http://127.0.0.1:9000', '--access-key', 'enc', '--secret-key', SECRET]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /refusing a secret key given on the command line/);
    assert.match(res.stderr, /--secret-key-stdin/);
    assert.equal((await cli(['endpoint', 'show', 'leaky'])).code, 1);
  });

  it('refuses a duplicate name and keeps the original', async () => {
    const res = await cli(
      ['endpoint', 'add', 'edge1', '--url', 'http://10.9.9.9:9000', '--access-key', 'other', '--secret-key-stdin'],
      'anothersecret',
    );
    assert.equal(res.code, 1);
    assert.match(res.stderr, /already exists/);
    assert.match(res.stderr, /endpoint remove edge1/);
    const show = parseJson<{ url: string }>(await cli(['endpoint', 'show', 'edge1', '--json']));
    assert.equal(show.url, 'http://127.0.0.1:9000');
  });

  for (const [url, message] of [
    ['not a url', /is not a URL/],
    ['ftp://host:21', /uses ftp/],
    ['http://host:9000/bucket', /path, query or fragment/],
    ['http://user:pw@host:9000', /must not carry credentials/],
  ] as const) {
    it(`refuses the URL '${url}'`, async () => {
      const res = await cli(['endpoint', 'add', 'bad', '--url', url, '--access-key', 'enc', '--secret-key-stdin'], 'whatever-secret');
      assert.equal(res.code, 1);
      assert.match(res.stderr, message);
      assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('refuses a bad name, a bad role and a bad label', async () => {
    for (const [args, code, message] of [
      [['../x'], 1, /not a valid endpoint name/],
      [['ok', '--role', 'backup'], 2, /Expected --role=backup to be one of/],
      [['ok', '--label', 'novalue'], 1, /not KEY=VALUE/],
    ] as const) {
      const res = await cli(
        ['endpoint', 'add', ...args, '--url', 'http://h:9000', '--access-key', 'enc', '--secret-key-stdin'],
        'whatever-secret',
      );
      assert.equal(res.code, code, res.stderr);
      assert.match(res.stderr, message);
    }
  });

  it('checks the CA file: missing, not a certificate, and a real one', async () => {
    const missing = await cli(
      [
        'endpoint',
        'add',
        'tls',
        '--url',
        'https://h:9000',
        '--access-key',
        'enc',
        '--secret-key-stdin',
        '--ca-cert',
        path.join(home, 'nope.pem'),
      ],
      'whatever-secret',
    );
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read the CA certificate .*no such file/);
    const junk = path.join(home, 'junk.pem');
    writeFileSync(junk, 'hello');
    const notPem = await cli(
      ['endpoint', 'add', 'tls', '--url', 'https://h:9000', '--access-key', 'enc', '--secret-key-stdin', '--ca-cert', junk],
      'whatever-secret',
    );
    assert.match(notPem.stderr, /is not a PEM certificate/);
    const { caCert } = makeTestCA(path.join(home, 'ca'));
    const ok = await cli(
      ['endpoint', 'add', 'tls', '--url', 'https://h:9000', '--access-key', 'enc', '--secret-key-stdin', '--ca-cert', caCert, '--json'],
      'whatever-secret',
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(parseJson<{ caCertPath: string }>(ok).caCertPath, caCert);
  });

  it('fails without a secret when there is no terminal to ask on', async () => {
    const res = await spawned(['endpoint', 'add', 'nosecret', '--url', 'http://h:9000', '--access-key', 'enc']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /no secret key given/);
  });

  it('imports mc aliases, skipping placeholders and existing names', async () => {
    const mcDir = path.join(home, 'mc');
    mkdirSync(mcDir);
    writeFileSync(
      path.join(mcDir, 'config.json'),
      JSON.stringify({
        version: '10',
        aliases: {
          archive: { url: 'http://127.0.0.1:9100', accessKey: 'archiver', secretKey: MC_SECRET, api: 's3v4', path: 'auto' },
          edge1: { url: 'http://127.0.0.1:9200', accessKey: 'x', secretKey: MC_SECRET, api: 's3v4', path: 'auto' },
          play: {
            url: 'https://play.min.io',
            accessKey: 'Q3AM3UQ867SPQQA43P2F',
            secretKey: 'zuf+tfteSlswRu7BJ86wekitnifILbZam1KYY3TG',
            api: 'S3v4',
            path: 'auto',
          },
          s3: {
            url: 'https://s3.amazonaws.com',
            accessKey: 'YOUR-ACCESS-KEY-HERE',
            secretKey: 'YOUR-SECRET-KEY-HERE',
            api: 'S3v4',
            path: 'dns',
          },
        },
      }),
    );
    const res = await cli(['endpoint', 'import', '--from-mc', '--json'], undefined, { MC_CONFIG_DIR: mcDir });
    assert.equal(res.code, 0, res.stderr);
    const result = parseJson<{ imported: { name: string }[]; skipped: { name: string; reason: string }[] }>(res);
    assert.deepEqual(
      result.imported.map((e) => e.name),
      ['archive'],
    );
    assert.deepEqual(result.skipped.map((s) => s.name).sort(), ['edge1', 'play', 's3']);
    const missing = await cli(['endpoint', 'import', '--from-mc', path.join(home, 'absent.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read mc's configuration/);
  });

  it('removes an endpoint; removing it again says it does not exist', async () => {
    const first = await cli(['endpoint', 'remove', 'archive']);
    assert.equal(first.code, 0, first.stderr);
    const again = await cli(['endpoint', 'remove', 'archive']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no endpoint named 'archive'/);
    assert.match(again.stderr, /endpoint list/);
  });

  it('reports an unknown endpoint with exit 1 and a JSON error document', async () => {
    const res = await cli(['endpoint', 'show', 'ghost', '--json']);
    assert.equal(res.code, 1);
    assert.equal(parseJson<{ error: { code: string } }>(res).error.code, 'ENDPOINT_NOT_FOUND');
  });

  it('exits 2 on usage errors', async () => {
    const res = await cli(['endpoint', 'add']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /Missing 1 required arg/);
  });

  it('audits every change with redacted arguments, and the chain verifies', async () => {
    const list = parseJson<{ entries: { command: string; args: string[]; outcome: string }[] }>(
      await cli(['audit', 'list', '--command', 'endpoint', '--limit', '100', '--json']),
    );
    const commands = new Set(list.entries.map((e) => e.command));
    assert.ok(commands.has('endpoint add') && commands.has('endpoint remove') && commands.has('endpoint import'), [...commands].join());
    assert.ok(list.entries.some((e) => e.outcome === 'failure' && e.args.includes('[REDACTED]')));
    const verify = await cli(['audit', 'verify']);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  });

  it('never printed a secret key, in any output of this file', () => {
    const everything = transcript.join('\n');
    for (const secret of [SECRET, ENV_SECRET, MC_SECRET]) assert.ok(!everything.includes(secret), `secret leaked: ${secret}`);
    assert.ok(everything.length > 1000, 'the transcript holds the output of the runs above');
  });
});
