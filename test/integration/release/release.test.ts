import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../support/cli.ts';
import { makeVideo } from '../../support/media.ts';
import { minioBinary } from '../../support/minio.ts';
import { buildPreviousRelease, buildRelease } from '../../support/release.ts';
import { until } from '../../support/wait.ts';
import type { StoreStatus } from '../../../src/core/store/status.ts';

const UNITS = [
  'mpegflow-broker.service',
  'mpegflow-health.service',
  'mpegflow-health.timer',
  'mpegflow-license-verify.service',
  'mpegflow-license-verify.timer',
  'mpegflow-queue-metrics.service',
  'mpegflow-queue-metrics.timer',
  'mpegflow-replicate-watch@.service',
  'mpegflow-worker@.service',
];

const canInstallPackages =
  process.getuid?.() === 0 && spawnSync('dpkg', ['--version']).status === 0 && spawnSync('systemd-analyze', ['--version']).status === 0;

/** A unit's ExecStart as the words systemd runs: its Environment= defaults and the instance (%I as given, %i escaped) put in. */
function execStart(unit: string, instance: string, escaped: string): string[] {
  const environment = new Map(
    [...unit.matchAll(/^Environment=(\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!] as const),
  );
  const line = /^ExecStart=(.*)$/m.exec(unit)![1]!;
  return line
    .replaceAll('%I', instance)
    .replaceAll('%i', escaped)
    .replace(/\$\{(\w+)\}/g, (_, name: string) => environment.get(name) ?? '')
    .split(/\s+/);
}

/** What a process finds with no network at all: a namespace of its own with only loopback (root, or a user namespace). */
function offlinePrefix(): string[] | undefined {
  for (const prefix of [['unshare', '-n', '--'], ['unshare', '-rn', '--']]) {
    if (spawnSync(prefix[0]!, [...prefix.slice(1), 'true']).status === 0) return prefix;
  }
  return undefined;
}

/** `args` as a unit runs them: as the mpegflow user, with only its environment, the command itself the process (setpriv execs). */
const SERVICE = [
  'setpriv',
  '--reuid=mpegflow',
  '--regid=mpegflow',
  '--init-groups',
  '--',
  'env',
  '-i',
  'PATH=/usr/bin:/bin',
  'MPEGFLOW_HOME=/var/lib/mpegflow',
  'NO_COLOR=1',
];
const asService = (args: string[], input?: string) =>
  spawnSync(SERVICE[0]!, [...SERVICE.slice(1), ...args], { cwd: '/', encoding: 'utf8', input, timeout: 120_000 });

/**
 * The offline release as a site without a network gets it: built from this checkout, unpacked into an
 * empty folder, and run with no network and a PATH without the project's toolchain (the system's own
 * Node.js, older than MpegFlow needs, is what PATH offers).
 */
describe('the offline release (npm run release)', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-release-'));
  const out = path.join(tmp, 'out');
  let version = '';
  let name = '';
  let installed = '';
  const offline = offlinePrefix();
  const siteEnv = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: path.join(tmp, 'home'), MPEGFLOW_HOME: path.join(tmp, 'state'), NO_COLOR: '1' };
  const mpegflow = (args: string[], options: { offline?: boolean; env?: Record<string, string> } = {}) => {
    const [file, ...rest] = [...(options.offline ? offline! : []), installed, ...args];
    return spawnSync(file!, rest, { cwd: tmp, env: { ...siteEnv, ...options.env }, encoding: 'utf8', timeout: 120_000 });
  };

  const key = path.join(tmp, 'release-key.pem');
  const publicKey = path.join(tmp, 'release-key.pub.pem');

  before(() => {
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
    execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', publicKey]);
    ({ version, name } = buildRelease(repoRoot, out, { prebuilt: true, signKey: key, epoch: '1796000000' }));
    installed = path.join(tmp, 'site', name, 'bin', 'mpegflow');
    mkdirSync(path.join(tmp, 'site'));
    execFileSync('tar', ['-xJf', path.join(out, `${name}.tar.xz`), '-C', path.join(tmp, 'site')]);
    mkdirSync(siteEnv.HOME);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('makes a tarball of at most 80 MB and a .deb, with their checksums', () => {
    const tarball = path.join(out, `${name}.tar.xz`);
    assert.ok(statSync(tarball).size <= 80e6, `${(statSync(tarball).size / 1e6).toFixed(1)} MB`);
    const sums = readFileSync(path.join(out, 'SHA256SUMS'), 'utf8');
    for (const file of [`${name}.tar.xz`, `mpegflow_${version}_amd64.deb`]) {
      const digest = createHash('sha256').update(readFileSync(path.join(out, file))).digest('hex');
      assert.ok(sums.includes(`${digest}  ${file}\n`), `${file} in SHA256SUMS`);
    }
    // what the README tells an air-gapped site to run before importing
    const verify = ['pkeyutl', '-verify', '-pubin', '-inkey', publicKey, '-rawin', '-in', path.join(out, 'SHA256SUMS')];
    assert.match(execFileSync('openssl', [...verify, '-sigfile', path.join(out, 'SHA256SUMS.sig')], { encoding: 'utf8' }), /Signature Verified Successfully/);
    execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, stdio: 'ignore' });
    const control = execFileSync('dpkg-deb', ['--field', path.join(out, `mpegflow_${version}_amd64.deb`)], { encoding: 'utf8' });
    assert.match(control, /^Depends: ffmpeg \(>= 7:5\.1\), passwd, libc6 \(>= 2\.34\), libstdc\+\+6, libgcc-s1$/m);
    const files = execFileSync('dpkg-deb', ['--contents', path.join(out, `mpegflow_${version}_amd64.deb`)], { encoding: 'utf8' });
    assert.match(files, /\.\/usr\/bin\/mpegflow -> \.\.\/lib\/mpegflow\/bin\/mpegflow/);
    assert.match(files, /\.\/usr\/lib\/mpegflow\/lib\/node\n/);
  });

  it('ships a man page for every command and bash and zsh completion, in the .deb and under share/ in the tarball', () => {
    const deb = path.join(tmp, 'deb');
    execFileSync('dpkg-deb', ['-x', path.join(out, `mpegflow_${version}_amd64.deb`), deb]);
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, unknown> };
    const pages = ['mpegflow.1.gz', ...Object.keys(manifest.commands).map((id) => `mpegflow-${id.replaceAll(':', '-')}.1.gz`)].sort();
    const man1 = path.join(deb, 'usr', 'share', 'man', 'man1');
    assert.deepEqual(readdirSync(man1).sort(), pages);
    assert.deepEqual(readdirSync(path.join(tmp, 'site', name, 'share', 'man', 'man1')).sort(), pages);

    const page = execFileSync('man', ['-l', path.join(man1, 'mpegflow-encode.1.gz')], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '100' } });
    for (const heading of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXIT STATUS', 'EXAMPLES', 'SEE ALSO']) assert.match(page, new RegExp(`^${heading}$`, 'm'));
    assert.match(page, /^\s+mpegflow encode \[OPTIONS\] SOURCE$/m);
    assert.match(page, /^\s+-p, --preset=VALUE\n\s+preset name .*Default: hls-h264\.$/m);
    assert.match(page, /^\s+--retention-mode=governance\|compliance\n\s+.*One of: governance, compliance\.$/m);
    assert.match(page, /^\s+\$ mpegflow encode clip\.mov --preset mp4-h264 --to \.\/web\/$/m);

    const bash = path.join(deb, 'usr', 'share', 'bash-completion', 'completions', 'mpegflow');
    const zsh = path.join(deb, 'usr', 'share', 'zsh', 'vendor-completions', '_mpegflow');
    const completions = path.join(tmp, 'site', name, 'share', 'completions');
    assert.deepEqual(readFileSync(path.join(completions, 'mpegflow')), readFileSync(bash));
    assert.deepEqual(readFileSync(path.join(completions, '_mpegflow')), readFileSync(zsh));
    execFileSync('bash', ['-n', bash]);
    if (spawnSync('zsh', ['--version']).status === 0) execFileSync('zsh', ['-n', zsh]);
    // what bash offers at <TAB> after these words (the last one is the word being completed)
    const complete = (...words: string[]) =>
      execFileSync('bash', ['-c', 'source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mpegflow; printf "%s\\n" "${COMPREPLY[@]}"', bash, ...words], {
        encoding: 'utf8',
      })
        .split('\n')
        .filter(Boolean);
    assert.deepEqual(complete('mpegflow', 'job', 'su'), ['submit']);
    assert.deepEqual(complete('mpegflow', 'encode', '--pr'), ['--preset', '--preset-file']);
    assert.deepEqual(complete('mpegflow', 'encode', 'clip.mov', '--retention-mode', ''), ['governance', 'compliance']);
    assert.ok(complete('mpegflow', '').includes('replicate'));
  });

  it('lintian finds no error in the .deb', { skip: spawnSync('lintian', ['--version']).status !== 0 && 'lintian is not installed' }, () => {
    const run = spawnSync('lintian', [path.join(out, `mpegflow_${version}_amd64.deb`)], { encoding: 'utf8', timeout: 300_000 });
    const errors = run.stdout.split('\n').filter((line) => line.startsWith('E:'));
    assert.deepEqual(errors, [], run.stdout);
    // mpegflow(1) and a page per command
    assert.doesNotMatch(run.stdout, /no-manual-page/);
  });

  it('runs from the folder it was unpacked into on its own Node.js, not the older one on PATH', () => {
    const system = spawnSync('node', ['-p', 'process.versions.node'], { env: siteEnv, encoding: 'utf8' });
    const run = mpegflow(['--version']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '', 'no warning (oclif compares its manifest with the package)');
    // an untagged commit's build says which commit it is
    assert.match(version, /^\d+\.\d+\.\d+(\+git\d+\.[0-9a-f]{7})?$/);
    assert.ok(run.stdout.startsWith(`mpegflow/${version} linux-x64 node-v24.`), run.stdout);
    assert.ok(system.status !== 0 || !run.stdout.includes(`node-v${system.stdout.trim()}`), 'not the system node');
  });

  it(
    'with no network: the quick start encode, and the evaluation license verifies with the keys inside',
    { skip: !offline && 'neither `unshare -n` nor `unshare -rn` is allowed here: the release is not run offline' },
    () => {
      const clip = makeVideo(path.join(tmp, 'clip.mp4'), { width: 320, height: 240, seconds: 2 });
      const encoded = mpegflow(['encode', clip, '-o', path.join(tmp, 'encoded'), '--json'], { offline: true });
      assert.equal(encoded.status, 0, encoded.stderr);
      assert.equal((JSON.parse(encoded.stdout) as { status: string }).status, 'done');
      assert.ok(existsSync(path.join(tmp, 'encoded', 'master.m3u8')));
      const license = path.join(repoRoot, 'test', 'fixtures', 'licenses', 'evaluation.license');
      const installedLicense = mpegflow(['license', 'install', license], { offline: true });
      assert.equal(installedLicense.status, 0, installedLicense.stderr);
      const verified = mpegflow(['license', 'verify', '--json'], { offline: true });
      assert.equal((JSON.parse(verified.stdout) as { status: string }).status, 'OK', verified.stdout);
    },
  );

  it(
    'with no network: a worker of the unpacked release drains a queue against a MinIO started in the same namespace',
    { skip: !offline && 'neither `unshare -n` nor `unshare -rn` is allowed here: the release is not run offline' },
    () => {
      const work = path.join(tmp, 'offline-pool');
      mkdirSync(work);
      makeVideo(path.join(work, 'clip.mp4'), { width: 320, height: 240, seconds: 2 });
      // loopback up, MinIO on it, a bucket with a source (mc), then only mpegflow: endpoint, submit, drain
      const script = `set -eu
ip link set lo up
export MINIO_ROOT_USER=mpegflow MINIO_ROOT_PASSWORD=offline-secret-9f3 MINIO_CI_CD=1 MINIO_BROWSER=off MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off
"$MINIO" server --address 127.0.0.1:9000 --console-address 127.0.0.1:9001 "$WORK/data" > "$WORK/minio.log" 2>&1 &
trap 'kill $!' EXIT
export MC_CONFIG_DIR="$WORK/mc"
for i in $(seq 150); do "$MC" alias set site http://127.0.0.1:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" > /dev/null 2>&1 && break; sleep 0.2; done
"$MC" mb -q site/media site/out > /dev/null
"$MC" cp -q "$WORK/clip.mp4" site/media/clip.mp4 > /dev/null
printf %s "$MINIO_ROOT_PASSWORD" | "$MPEGFLOW" endpoint add site --url http://127.0.0.1:9000 --access-key "$MINIO_ROOT_USER" --secret-key-stdin > /dev/null
"$MPEGFLOW" job submit site/media/clip.mp4 --preset proxy --to site/out/clip/ --json > "$WORK/submit.json"
"$MPEGFLOW" worker --drain --json > "$WORK/drain.json"
"$MC" ls -r site/out > "$WORK/stored.txt"
`;
      const run = spawnSync(offline![0]!, [...offline!.slice(1), 'bash', '-c', script], {
        cwd: tmp,
        env: { ...siteEnv, MPEGFLOW_HOME: path.join(work, 'state'), WORK: work, MPEGFLOW: installed, MINIO: minioBinary(), MC: minioBinary('mc') },
        encoding: 'utf8',
        timeout: 180_000,
      });
      assert.equal(run.status, 0, `${run.stderr}\n${existsSync(path.join(work, 'minio.log')) ? readFileSync(path.join(work, 'minio.log'), 'utf8') : ''}`);
      const drained = JSON.parse(readFileSync(path.join(work, 'drain.json'), 'utf8')) as { jobs: { state: string }[] };
      assert.deepEqual(
        drained.jobs.map((j) => j.state),
        ['done'],
      );
      const stored = readFileSync(path.join(work, 'stored.txt'), 'utf8');
      assert.match(stored, /clip\/manifest\.json/);
      assert.match(stored, /clip\/.*\.mp4/);
    },
  );

  it(
    'the .deb: dpkg -i makes the mpegflow user and its folders; every unit verifies and its ExecStart runs as that user; -r keeps the state, --purge removes it',
    { skip: !canInstallPackages && 'needs root, dpkg and systemd-analyze: the package is installed on this machine and removed' },
    () => {
      const deb = path.join(out, `mpegflow_${version}_amd64.deb`);
      execFileSync('dpkg', ['-i', deb], { stdio: 'ignore' });
      try {
        assert.match(execFileSync('id', ['mpegflow'], { encoding: 'utf8' }), /\(mpegflow\)/);
        const modes = (file: string) => execFileSync('stat', ['-c', '%U:%G %a', file], { encoding: 'utf8' }).trim();
        assert.equal(modes('/var/lib/mpegflow'), 'mpegflow:mpegflow 700');
        assert.equal(modes('/var/lib/mpegflow-metrics'), 'mpegflow:mpegflow 755');
        assert.equal(modes('/etc/mpegflow'), 'root:mpegflow 750');
        const units = readdirSync('/usr/lib/systemd/system').filter((f) => f.startsWith('mpegflow-'));
        assert.deepEqual(units.sort(), [...UNITS].sort());
        const instances = units.map((u) => u.replace('@.service', '@edge1-ingest.service'));
        const verify = spawnSync('systemd-analyze', ['verify', ...instances], { cwd: '/usr/lib/systemd/system', encoding: 'utf8' });
        assert.equal(verify.status, 0, verify.stderr);
        assert.equal(verify.stderr.trim(), '', 'no warning');

        // on standard input: the service user reads no file of root's
        const license = readFileSync(path.join(repoRoot, 'test', 'fixtures', 'licenses', 'evaluation.license'), 'utf8');
        const installedLicense = asService(['/usr/bin/mpegflow', 'license', 'install', '-'], license);
        assert.equal(installedLicense.status, 0, installedLicense.stderr);
        const expected: Record<string, { status: number; says: RegExp }> = {
          'mpegflow-broker.service': { status: 1, says: /cannot read the broker's certificate \/etc\/mpegflow\/broker\.crt: ENOENT/ },
          'mpegflow-license-verify.service': { status: 0, says: /LICENSE OK/ },
          'mpegflow-health.service': { status: 3, says: /no endpoints are configured/ },
          'mpegflow-worker@.service': { status: 0, says: /No jobs were ready/ },
          'mpegflow-queue-metrics.service': { status: 0, says: /Jobs\s+0 queued/ },
          'mpegflow-replicate-watch@.service': { status: 3, says: /'edge1' in 'edge1\/ingest' is not a configured endpoint/ },
        };
        for (const [unit, expect] of Object.entries(expected)) {
          const command = execStart(readFileSync(path.join('/usr/lib/systemd/system', unit), 'utf8'), 'edge1/ingest', 'edge1-ingest');
          // the worker drains here: as a service it waits for jobs
          const run = asService(unit.startsWith('mpegflow-worker') ? [...command, '--drain'] : command);
          assert.equal(run.status, expect.status, `${unit}: ${command.join(' ')}\n${run.stdout}${run.stderr}`);
          assert.match(`${run.stdout}${run.stderr}`, expect.says, unit);
        }
        execFileSync('dpkg', ['-r', 'mpegflow'], { stdio: 'ignore' });
        assert.equal(existsSync('/usr/bin/mpegflow'), false);
        assert.ok(existsSync('/var/lib/mpegflow/state.db'), 'removing keeps the state');
      } finally {
        execFileSync('dpkg', ['--purge', 'mpegflow'], { stdio: 'ignore' });
      }
      assert.equal(existsSync('/var/lib/mpegflow'), false, 'purging removes it');
      assert.equal(existsSync('/etc/mpegflow'), false);
    },
  );

  it(
    "an upgrade from the previous commit's .deb keeps the queue and the audit chain; SIGTERM hands a running job back and exits 0; a downgrade is refused",
    { skip: !canInstallPackages && 'needs root, dpkg and systemd-analyze: the packages are installed on this machine and removed' },
    async (t) => {
      const previous = buildPreviousRelease(tmp, path.join(tmp, 'previous-out'));
      if ('skip' in previous) return t.skip(previous.skip);
      const cli = (args: string[], input?: string) => asService(['/usr/bin/mpegflow', ...args], input);
      const ok = (args: string[], input?: string) => {
        const run = cli(args, input);
        assert.equal(run.status, 0, `mpegflow ${args.join(' ')}\n${run.stdout}${run.stderr}`);
        return run.stdout;
      };
      const states = () => Object.fromEntries((JSON.parse(ok(['job', 'list', '--json'])) as { jobs: { id: number; state: string }[] }).jobs.map((j) => [j.id, j.state]));
      execFileSync('dpkg', ['-i', previous.deb], { stdio: 'ignore' });
      try {
        const media = '/var/lib/mpegflow/media';
        mkdirSync(media);
        makeVideo(path.join(media, 'a.mp4'), { width: 320, height: 240, seconds: 2 });
        makeVideo(path.join(media, 'b.mp4'), { width: 320, height: 240, seconds: 2 });
        makeVideo(path.join(media, 'c.mp4'), { width: 1280, height: 720, seconds: 20 });
        execFileSync('chown', ['-R', 'mpegflow:mpegflow', media]);

        // the site as the previous release leaves it: a job done, two queued, entries on the audit chain
        ok(['license', 'install', '-', '--json'], readFileSync(path.join(repoRoot, 'test', 'fixtures', 'licenses', 'evaluation.license'), 'utf8'));
        ok(['job', 'submit', `${media}/a.mp4`, '--preset', 'proxy', '--to', '/var/lib/mpegflow/out-a', '--json']);
        ok(['worker', '--drain', '--json']);
        ok(['job', 'submit', `${media}/b.mp4`, '--preset', 'proxy', '--to', '/var/lib/mpegflow/out-b', '--json']);
        ok(['job', 'submit', `${media}/c.mp4`, '--preset', 'hls-h264', '--to', '/var/lib/mpegflow/out-c', '--json']);
        assert.deepEqual(states(), { 1: 'done', 2: 'queued', 3: 'queued' });
        ok(['audit', 'verify', '--json']);

        execFileSync('dpkg', ['-i', path.join(out, `mpegflow_${version}_amd64.deb`)], { stdio: 'ignore' });
        assert.ok(ok(['--version']).startsWith(`mpegflow/${version} `), 'the new release runs');
        ok(['audit', 'verify']);
        assert.deepEqual(states(), { 1: 'done', 2: 'queued', 3: 'queued' });
        // a table, as an operator reads the queue (the release carries what tables need)
        assert.match(ok(['job', 'list']), /^\s*3\s.*queued/m);
        const status = JSON.parse(ok(['db', 'status', '--json'])) as StoreStatus;
        assert.equal(status.upToDate, true);
        const host = status.hosts[0]!;
        assert.equal(host.version, previous.version, 'the host as its last worker ran');
        assert.notEqual(host.canRun, false);

        // the previous program beside the migrated state: it goes on after additive changes, refuses after a breaking one
        mkdirSync(path.join(tmp, 'previous-site'));
        execFileSync('tar', ['-xJf', previous.tarball, '-C', path.join(tmp, 'previous-site')]);
        execFileSync('chmod', ['-R', 'a+rX', tmp]);
        const older = (args: string[]) => asService([path.join(tmp, 'previous-site', previous.name, 'bin', 'mpegflow'), ...args]);
        const seen = JSON.parse(older(['db', 'status', '--json']).stdout) as StoreStatus;
        const breaking = seen.schema.some((s) => s.state === 'newer');
        const listed = older(['job', 'list', '--json']);
        assert.equal(listed.status, breaking ? 1 : 0, listed.stderr);
        if (breaking) assert.match(listed.stderr, /changed by a newer mpegflow in a way this one cannot use/);

        // the worker unit's command, stopped by systemd's SIGTERM (KillMode=mixed: the main process) mid-encode
        const command = execStart(readFileSync('/usr/lib/systemd/system/mpegflow-worker@.service', 'utf8'), '1', '1');
        const worker = spawn(SERVICE[0]!, [...SERVICE.slice(1), ...command], { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
        let log = '';
        worker.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
        const exited = new Promise<number | null>((resolve) => worker.on('exit', (code) => resolve(code)));
        await until('job 3 to be encoding', () => /job 3: encode .*\d+\.\d%/.test(log), 120_000);
        const stopping = Date.now();
        worker.kill('SIGTERM');
        assert.equal(await exited, 0, log);
        const stopMs = Date.now() - stopping;
        assert.ok(stopMs < 90_000, `stopped within TimeoutStopSec (${stopMs} ms)`);
        assert.doesNotMatch(log.split('SIGTERM')[1] ?? '', /100\.0%/, 'a stopped encode is not reported done');
        assert.deepEqual(states(), { 1: 'done', 2: 'done', 3: 'queued' });
        assert.match(ok(['job', 'show', '3']), /0 of 3 allowed failures used/, 'the stop is not counted as a failure');

        ok(['worker', '--drain']);
        assert.deepEqual(states(), { 1: 'done', 2: 'done', 3: 'done' });
        assert.ok(existsSync('/var/lib/mpegflow/out-c/manifest.json'));
        ok(['audit', 'verify']);

        const downgrade = spawnSync('dpkg', ['-i', previous.deb], { encoding: 'utf8' });
        assert.notEqual(downgrade.status, 0, 'the downgrade is refused');
        assert.match(downgrade.stderr + downgrade.stdout, new RegExp(`refusing to downgrade from ${version.replace(/[.+]/g, '\\$&')} to ${previous.version.replace(/[.+]/g, '\\$&')}`));
        assert.ok(ok(['--version']).startsWith(`mpegflow/${version} `), 'the newer release is still installed');
      } finally {
        execFileSync('dpkg', ['--purge', 'mpegflow'], { stdio: 'ignore' });
      }
    },
  );

  it('refuses to encode without ffmpeg on PATH, saying what is missing; the commands that need none still run', () => {
    // a PATH with the shell's tools and no ffmpeg
    const bin = path.join(tmp, 'bin-without-ffmpeg');
    mkdirSync(bin);
    for (const tool of ['dirname', 'readlink', 'sed']) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), path.join(bin, tool));
    const refused = mpegflow(['encode', 'x.mp4'], { env: { PATH: bin } });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^Error: mpegflow encode needs ffmpeg and ffprobe 5\.1 or newer on PATH, and they are not there/);
    const version = mpegflow(['--version'], { env: { PATH: bin } });
    assert.equal(version.status, 0, version.stderr);
  });
});
