import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseJson, runCli, tempHome, type CliResult } from '../../support/cli.ts';
import { runInProcess } from '../../support/in-process.ts';
import { vendorKeygen, vendorSign } from '../../support/license.ts';
import { freePort, startSingleDrive, type Deployment } from '../../support/minio.ts';

/**
 * Every command family that touches storage, run through the real CLI against
 * a real MinIO, with each way a storage call goes wrong: a closed port, a
 * wrong secret key, a missing bucket, a missing key, an invalid bucket name
 * and a '..' key. Each cell checks the exit code, the error code in --json
 * output, that the message names the endpoint, and that no failure is
 * reported as an internal error.
 */

type Scenario = 'closed' | 'badsecret' | 'nobucket' | 'nokey' | 'badbucket' | 'dotdot';

/** The path each scenario gives a command: on endpoint `e`, which the closed/badsecret scenarios break. */
const OBJECT: Record<Scenario, string> = {
  closed: 'e/media/in/clip.mp4',
  badsecret: 'e/media/in/clip.mp4',
  nobucket: 'e/nope/in/clip.mp4',
  nokey: 'e/media/in/missing.mp4',
  badbucket: 'e/Bad_Bucket/in/clip.mp4',
  dotdot: 'e/media/../etc/passwd',
};
const FOLDER: Record<Scenario, string> = {
  closed: 'e/media/out/clip/',
  badsecret: 'e/media/out/clip/',
  nobucket: 'e/nope/out/clip/',
  nokey: 'e/media/out/nothing-here/',
  badbucket: 'e/Bad_Bucket/out/clip/',
  dotdot: 'e/media/out/../../etc/',
};
const BUCKET: Record<Scenario, string> = {
  closed: 'e/media',
  badsecret: 'e/media',
  nobucket: 'e/nope',
  nokey: 'e/media',
  badbucket: 'e/Bad_Bucket',
  dotdot: 'e/media/../etc',
};

interface Expect {
  exit: number;
  code: string;
  /** Where the error code is in the --json document (default: error.code). */
  at?: (doc: Record<string, unknown>) => unknown;
}

/** What each scenario must give: the connection and key failures everywhere, the path failures where a command takes a path. */
const COMMON: Record<Scenario, Expect> = {
  closed: { exit: 1, code: 'UNREACHABLE' },
  badsecret: { exit: 1, code: 'CREDENTIALS_REFUSED' },
  nobucket: { exit: 1, code: 'BUCKET_NOT_FOUND' },
  nokey: { exit: 1, code: 'SOURCE_NOT_FOUND' },
  badbucket: { exit: 2, code: 'INVALID_BUCKET_NAME' },
  dotdot: { exit: 2, code: 'INVALID_OBJECT_KEY' },
};

const monitoring = (e: Expect, at?: Expect['at']): Expect => ({ ...e, exit: 3, ...(at ? { at } : {}) });
const healthCode = (doc: Record<string, unknown>) => (doc.endpoints as { error?: { code: string } }[])[0]?.error?.code;
const ruleCode = (doc: Record<string, unknown>) => (doc.rules as { error?: { code: string } }[])[0]?.error?.code;
const sampleCode = (doc: Record<string, unknown>) => (doc.samples as { error?: { code: string } }[])[0]?.error?.code;
const listCode = (doc: Record<string, unknown>) =>
  (doc.rules as { edge: string; error?: { code: string } }[]).find((r) => r.edge === 'e')?.error?.code;

/** Commands on one replication rule (EDGE/BUCKET): a bucket without a rule has none to act on, and EDGE/BUCKET/.. is not EDGE/BUCKET. */
const ON_A_RULE: Partial<Record<Scenario, Expect>> = {
  closed: COMMON.closed,
  badsecret: COMMON.badsecret,
  nobucket: { exit: 1, code: 'NO_REPLICATION' },
  badbucket: COMMON.badbucket,
  dotdot: { exit: 2, code: 'USAGE' },
};

/** The same for a monitoring command (exit 3), whose --json document carries a storage failure at `at`. */
const monitoringOnARule = (at: Expect['at']): Partial<Record<Scenario, Expect>> => ({
  closed: monitoring(COMMON.closed, at),
  badsecret: monitoring(COMMON.badsecret, at),
  nobucket: monitoring({ exit: 1, code: 'NO_REPLICATION' }),
  badbucket: monitoring(COMMON.badbucket),
  dotdot: monitoring({ exit: 2, code: 'USAGE' }),
});

interface Row {
  command: string;
  args: (s: Scenario) => string[];
  expect: Partial<Record<Scenario, Expect>>;
}

const ROWS: Row[] = [
  {
    command: 'endpoint test',
    args: () => ['endpoint', 'test', 'e', '--samples', '1', '--timeout', '5'],
    expect: { closed: COMMON.closed, badsecret: COMMON.badsecret },
  },
  {
    command: 'health',
    args: () => ['health', 'e', '--timeout', '5'],
    expect: { closed: monitoring(COMMON.closed, healthCode), badsecret: monitoring(COMMON.badsecret, healthCode) },
  },
  {
    command: 'encode',
    args: (s) => ['encode', OBJECT[s], '--preset', 'mp4-h264', '--to', 'e/media/out/enc/'],
    expect: { ...COMMON },
  },
  {
    command: 'verify',
    args: (s) => ['verify', FOLDER[s]],
    expect: { ...COMMON, nokey: { exit: 1, code: 'MANIFEST_NOT_FOUND' } },
  },
  {
    command: 'job submit',
    args: (s) => ['job', 'submit', OBJECT[s], '--preset', 'mp4-h264'],
    expect: { ...COMMON },
  },
  {
    command: 'replicate setup',
    args: (s) => ['replicate', 'setup', BUCKET[s], 'c/central2', '--create-bucket'],
    expect: { ...COMMON, nokey: undefined, dotdot: { exit: 2, code: 'USAGE' } },
  },
  {
    command: 'replicate status',
    args: (s) => ['replicate', 'status', BUCKET[s]],
    expect: monitoringOnARule(ruleCode),
  },
  {
    command: 'replicate verify',
    args: (s) => ['replicate', 'verify', BUCKET[s], '--timeout', '5'],
    expect: ON_A_RULE,
  },
  {
    command: 'replicate watch',
    args: (s) => ['replicate', 'watch', BUCKET[s], '--once', '--warn', '5s', '--crit', '10s'],
    expect: monitoringOnARule(sampleCode),
  },
  {
    command: 'replicate resync',
    args: (s) => ['replicate', 'resync', BUCKET[s], '--dry-run'],
    expect: ON_A_RULE,
  },
  {
    command: 'replicate list',
    args: () => ['replicate', 'list'],
    expect: { closed: { ...COMMON.closed, at: listCode }, badsecret: { ...COMMON.badsecret, at: listCode } },
  },
  {
    command: 'replicate remove',
    args: (s) => ['replicate', 'remove', BUCKET[s]],
    expect: ON_A_RULE,
  },
];

describe('storage failures through the CLI: every command family against a real MinIO', () => {
  const { home: base, cleanup } = tempHome('mpegflow-storage-errors-');
  const homes: string[] = [];
  let edge: Deployment;
  let central: Deployment;
  let closedUrl: string;
  const cli = (home: string, args: string[], input?: string) => runCli(args, { home, input, timeoutMs: 120_000 });
  // the failure each command reports is the same run in this process (spawning proves nothing more); setup and the worker stay spawned
  const inProcess = (home: string, args: string[]) => runInProcess(args, { home, timeoutMs: 120_000 });
  const addEndpoint = async (home: string, name: string, url: string, accessKey: string, secret: string, role?: string) => {
    const res = await cli(
      home,
      [
        'endpoint',
        'add',
        name,
        '--url',
        url,
        '--access-key',
        accessKey,
        '--secret-key-stdin',
        '--replace',
        ...(role ? ['--role', role] : []),
      ],
      secret,
    );
    assert.equal(res.code, 0, res.stderr);
  };

  /** A copy of the prepared state for one scenario, with endpoint `e` broken as the scenario says. */
  const homeFor = async (scenario: Scenario): Promise<string> => {
    const home = mkdtempSync(path.join(os.tmpdir(), `mpegflow-storage-errors-${scenario}-`));
    homes.push(home);
    cpSync(base, home, { recursive: true });
    if (scenario === 'closed') await addEndpoint(home, 'e', closedUrl, edge.accessKey, edge.secretKey, 'edge');
    if (scenario === 'badsecret') await addEndpoint(home, 'e', edge.url, edge.accessKey, 'not-the-secret-key', 'edge');
    return home;
  };

  before(async () => {
    [edge, central] = await Promise.all([startSingleDrive(), startSingleDrive()]);
    closedUrl = `http://127.0.0.1:${await freePort()}`;
    await edge.client().makeBucket('media');
    await edge.client().putObject('media', 'in/clip.mp4', Buffer.alloc(4096, 7));
    await central.client().makeBucket('central');
    await addEndpoint(base, 'e', edge.url, edge.accessKey, edge.secretKey, 'edge');
    await addEndpoint(base, 'c', central.url, central.accessKey, central.secretKey, 'central');
    const keys = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-storage-errors-keys-'));
    homes.push(keys);
    const vendor = vendorKeygen(keys, 'storage-errors');
    const install = await cli(
      base,
      ['license', 'install', '-', '--trusted-key', vendor.publicJwks],
      vendorSign(vendor.privateJwk, ['--capabilities', 'encode,replication,health']),
    );
    assert.equal(install.code, 0, install.stderr);
    const setup = await cli(base, ['replicate', 'setup', 'e/media', 'c/central']);
    assert.equal(setup.code, 0, setup.stderr + setup.stdout);
  });
  after(async () => {
    await Promise.all([edge?.stop(), central?.stop()]);
    for (const home of homes) rmSync(home, { recursive: true, force: true });
    cleanup();
  });

  function check(res: CliResult, expected: Expect, what: string): void {
    const all = res.stdout + res.stderr;
    assert.doesNotMatch(all, /unexpected internal error/i, `${what}: reported as a bug\n${all}`);
    assert.doesNotMatch(all, /\n\s+at /, `${what}: a stack trace\n${all}`);
    assert.equal(res.code, expected.exit, `${what}: exit ${res.code}\n${all}`);
    const doc = parseJson(res);
    const code = expected.at ? expected.at(doc) : (doc.error as { code?: string } | undefined)?.code;
    assert.equal(code, expected.code, `${what}: ${res.stdout}`);
    if (!['USAGE', 'NO_REPLICATION', 'MANIFEST_NOT_FOUND'].includes(expected.code)) {
      assert.match(res.stdout, /'e'|\be\//, `${what}: the message names the endpoint or the path\n${res.stdout}`);
    }
  }

  for (const scenario of ['closed', 'badsecret', 'nobucket', 'nokey', 'badbucket', 'dotdot'] as const) {
    it(`${scenario}: every command names the failure`, async () => {
      const home = await homeFor(scenario);
      const wrong: string[] = [];
      for (const row of ROWS) {
        const expected = row.expect[scenario];
        if (!expected) continue;
        const args = row.args(scenario);
        try {
          check(await inProcess(home, [...args, '--json']), expected, `${row.command} (${scenario}): ${args.join(' ')}`);
          if (!expected.at) {
            // people get the same error with the next step, and no stack trace
            const human = await inProcess(home, args);
            assert.equal(human.code, expected.exit, `${row.command} (${scenario}) without --json`);
            assert.match(human.stderr, /Error: .+\n {2}Try: /, `${row.command} (${scenario}): ${human.stderr}`);
            assert.doesNotMatch(human.stderr, /unexpected internal error|\n\s+at /);
          }
        } catch (error) {
          wrong.push((error as Error).message.split('\n').slice(0, 3).join(' | '));
        }
      }
      assert.deepEqual(wrong, [], wrong.join('\n'));
    });
  }

  it('worker: an unreachable endpoint puts the job back (retryable); a refused key, a missing bucket or object fail it at once', async () => {
    const home = await homeFor('nokey');
    await edge.client().makeBucket('gone');
    await edge.client().putObject('gone', 'clip.mp4', Buffer.alloc(4096, 7));
    await edge.client().putObject('media', 'in/deleted.mp4', Buffer.alloc(4096, 7));
    const submit = async (source: string) => {
      const res = await cli(home, ['job', 'submit', source, '--preset', 'mp4-h264', '--max-attempts', '2', '--json']);
      assert.equal(res.code, 0, res.stdout + res.stderr);
      return parseJson<{ submitted: { id: number }[] }>(res).submitted[0]!.id;
    };
    const work = async () => {
      const res = await cli(home, ['worker', '--drain', '--backoff-seconds', '3600', '--json']);
      assert.doesNotMatch(res.stdout + res.stderr, /unexpected internal error|\n\s+at /);
      return { res, jobs: parseJson<{ jobs: { id: number; state: string; error: string | null }[] }>(res).jobs };
    };

    // a missing object and a missing bucket: permanent
    const missingKey = await submit('e/media/in/deleted.mp4');
    const missingBucket = await submit('e/gone/clip.mp4');
    await edge.client().removeObject('media', 'in/deleted.mp4');
    await edge.client().removeObject('gone', 'clip.mp4');
    await edge.client().removeBucket('gone');
    let { res, jobs } = await work();
    assert.equal(res.code, 1, res.stdout);
    const byId = (id: number) => jobs.find((j) => j.id === id)!;
    assert.equal(byId(missingKey).state, 'failed');
    assert.match(byId(missingKey).error ?? '', /e\/media\/in\/deleted\.mp4: no such object/);
    assert.equal(byId(missingBucket).state, 'failed');
    assert.match(byId(missingBucket).error ?? '', /e\/gone\/clip\.mp4: the bucket does not exist on endpoint 'e'/);

    // a wrong secret: permanent
    const refused = await submit('e/media/in/clip.mp4');
    await addEndpoint(home, 'e', edge.url, edge.accessKey, 'not-the-secret-key', 'edge');
    ({ res, jobs } = await work());
    assert.equal(res.code, 1, res.stdout);
    assert.equal(byId(refused).state, 'failed');
    assert.match(byId(refused).error ?? '', /endpoint 'e' .*refused the credentials/);

    // nothing listening: retryable, back in the queue
    await addEndpoint(home, 'e', closedUrl, edge.accessKey, edge.secretKey, 'edge');
    assert.equal((await cli(home, ['job', 'retry', String(refused)])).code, 0);
    const unreachable = refused;
    ({ res, jobs } = await work());
    assert.equal(res.code, 0, res.stdout);
    assert.equal(byId(unreachable).state, 'queued', JSON.stringify(jobs));
    assert.match(byId(unreachable).error ?? '', /cannot read e\/media\/in\/clip\.mp4: endpoint 'e' refused the connection/);
  });
});
