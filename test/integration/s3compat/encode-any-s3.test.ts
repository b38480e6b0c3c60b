import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as Minio from 'minio';
import { createS3Client } from '../../../src/core/s3/client.ts';
import { parseJson, runCli, tempHome, transcript } from '../../support/cli.ts';
import { vendorKeygen, vendorSign } from '../../support/license.ts';
import { makeVideo } from '../../support/media.ts';
import { startFaultProxy } from '../../support/fault-proxy.ts';
import { NGINX_UNAVAILABLE, startGateway } from '../../support/gateway.ts';
import type { Deployment } from '../../support/minio.ts';
import type { startMotoServer } from '../../support/moto.ts';
import { startThreeStores } from '../../support/three-stores.ts';
import type { SeaweedServer } from '../../support/seaweedfs.ts';
import { watchRequests } from '../../support/wait.ts';
import { listObjectGroups, listObjects } from '../../../src/core/s3/listing.ts';
import { storageFailure } from '../../../src/core/s3/errors.ts';

interface Store {
  name: string;
  url: string;
  accessKey: string;
  secretKey: string;
  client: Minio.Client;
}

function clientFor(url: string, accessKey: string, secretKey: string): Minio.Client {
  return createS3Client({ name: 'store', url, accessKey, secretKey, region: 'us-east-1', caCert: null });
}

async function keys(client: Minio.Client, bucket: string, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const o of client.listObjectsV2(bucket, prefix, true) as AsyncIterable<{ name: string }>) found.push(o.name);
  return found.sort();
}

/** The parent of a process (0 once it has ended). */
function parentOf(pid: number): number {
  try {
    return Number(
      readFileSync(`/proc/${pid}/stat`, 'utf8')
        .replace(/^.*\) /s, '')
        .split(' ')[1],
    );
  } catch {
    return 0;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return ''; // it has ended
  }
}

async function incomplete(client: Minio.Client, bucket: string): Promise<string[]> {
  const page = await client.listIncompleteUploadsQuery(bucket, '', '', '', '');
  return page.uploads.map((u) => u.key);
}

/**
 * encode, job submit + worker and verify against S3 stores that are not MinIO
 * (moto, SeaweedFS), and MinIO itself for the leftover-upload case; the
 * MinIO-only commands say plainly that the store has no MinIO admin API.
 */
describe('encode, jobs and verify on S3 stores that are not MinIO (moto, SeaweedFS)', () => {
  const { home, cleanup } = tempHome('mpegflow-any-s3-');
  const local = path.join(home, 'local');
  const stores: Store[] = [];
  let minio: Deployment;
  let moto: Awaited<ReturnType<typeof startMotoServer>>;
  let weed: SeaweedServer | undefined;
  const cli = (args: string[], input?: string) => runCli(args, { home, input, cwd: local, timeoutMs: 240_000 });

  before(async () => {
    mkdirSync(local, { recursive: true });
    ({ minio, moto, weed } = await startThreeStores());
    if (moto)
      stores.push({
        name: 'moto',
        url: moto.url,
        accessKey: 'testing',
        secretKey: 'testing-secret',
        client: clientFor(moto.url, 'testing', 'x'),
      });
    if (weed) stores.push({ name: 'weed', url: weed.url, accessKey: weed.accessKey, secretKey: weed.secretKey, client: weed.client() });
    stores.push({ name: 'minio', url: minio.url, accessKey: minio.accessKey, secretKey: minio.secretKey, client: minio.client() });
    // noise: the lossless archive is larger than one 8 MiB part, so it goes up as a multipart upload
    makeVideo(path.join(local, 'clip.mp4'), { width: 640, height: 360, seconds: 3, noise: true });
    for (const s of stores) {
      const added = await cli(['endpoint', 'add', s.name, '--url', s.url, '--access-key', s.accessKey, '--secret-key-stdin'], s.secretKey);
      assert.equal(added.code, 0, added.stderr);
      await s.client.makeBucket('media');
      await s.client.makeBucket('out');
      await s.client.fPutObject('media', 'in/clip é.mp4', path.join(local, 'clip.mp4'));
    }
  });
  after(async () => {
    await Promise.all([minio?.stop(), moto?.stop(), weed?.stop()]);
    cleanup();
  });

  it('encode S3 → S3 (multipart archive), clearing a killed run’s leftover upload first; verify re-checks it', async () => {
    for (const s of stores) {
      // a killed run's incomplete upload under the destination prefix
      await s.client.initiateNewMultipartUpload('out', 'ffv1/archive.mkv', {});
      assert.deepEqual(await incomplete(s.client, 'out'), ['ffv1/archive.mkv'], s.name);
      const res = await cli([
        'encode',
        `${s.name}/media/in/clip é.mp4`,
        '--preset',
        'archive-ffv1',
        '--to',
        `${s.name}/out/ffv1/`,
        '--json',
      ]);
      assert.equal(res.code, 0, `${s.name}: ${res.stdout}${res.stderr}`);
      const doc = parseJson<{ outputs: { name: string; size: number }[]; source: { etag?: string } }>(res);
      assert.ok(doc.outputs.find((o) => o.name === 'archive.mkv')!.size > 8 * 1024 * 1024, `${s.name}: the archive is multipart-sized`);
      assert.match(doc.source.etag ?? '', /^[0-9a-f]{32}/, s.name);
      assert.deepEqual(await keys(s.client, 'out', 'ffv1/'), ['ffv1/archive.framemd5', 'ffv1/archive.mkv', 'ffv1/manifest.json'], s.name);
      assert.deepEqual(await incomplete(s.client, 'out'), [], `${s.name}: the leftover upload was aborted`);
      const verified = await cli(['verify', `${s.name}/out/ffv1/`, '--json']);
      assert.equal(verified.code, 0, `${s.name}: ${verified.stdout}${verified.stderr}`);
      assert.ok((parseJson<{ fixity: { frames: number } }>(verified).fixity?.frames ?? 0) > 0, s.name);
    }
  });

  it("verify's frame check rides out a node's 503s; when the store keeps failing ffmpeg, it could not run, which is not a difference", async () => {
    // a balancer before MinIO that fails ffmpeg's reads (the relay's presigned GETs), the first `failing` of them, and passes everything else
    let failing = 0;
    const gateway = await startGateway(minio.nodes[0]!.port, (request) =>
      request.url?.includes('X-Amz-Signature=') && failing-- > 0 ? NGINX_UNAVAILABLE : undefined,
    );
    try {
      const added = await cli(
        ['endpoint', 'add', 'flaky', '--url', gateway.url, '--access-key', minio.accessKey, '--secret-key-stdin'],
        minio.secretKey,
      );
      assert.equal(added.code, 0, added.stderr);
      failing = 2;
      const riddenOut = await cli(['verify', 'flaky/out/ffv1/', '--json']);
      assert.equal(riddenOut.code, 0, riddenOut.stdout + riddenOut.stderr);
      assert.ok(parseJson<{ fixity: { frames: number } }>(riddenOut).fixity!.frames > 0);
      assert.ok(failing < 0, 'the 503s were answered');

      failing = Infinity;
      const res = await cli(['verify', 'flaky/out/ffv1/', '--json']);
      assert.equal(res.code, 1, res.stdout + res.stderr);
      const { error } = parseJson<{ error: { code: string; message: string } }>(res);
      assert.equal(error.code, 'FIXITY_UNCHECKED');
      assert.match(
        error.message,
        /^the frame check of flaky\/out\/ffv1\/archive\.mkv could not run: ffmpeg could not read it from the storage/,
      );
      assert.doesNotMatch(res.stdout, /X-Amz-Signature/);
    } finally {
      await gateway.stop();
    }
  });

  it('verify says ffmpeg was killed under its frame check (the OOM killer), exit 1, not that frames differ', async () => {
    const proxy = await startFaultProxy({ targetPort: minio.nodes[0]!.port, bytesPerSecond: 4 * 1024 * 1024 });
    try {
      const added = await cli(
        ['endpoint', 'add', 'slow', '--url', proxy.url, '--access-key', minio.accessKey, '--secret-key-stdin'],
        minio.secretKey,
      );
      assert.equal(added.code, 0, added.stderr);
      const verifying = cli(['verify', 'slow/out/ffv1/', '--json']);
      let killed = false;
      for (let waited = 0; !killed && waited < 60_000; waited += 100) {
        // ffmpeg re-decoding for this verify (its parent's command line names the endpoint)
        const ffmpeg = spawnSync('pgrep', ['-f', 'framemd5'], { encoding: 'utf8' })
          .stdout.split('\n')
          .filter(Boolean)
          .map(Number)
          .filter((pid) => cmdline(parentOf(pid)).includes('slow/out/ffv1/'));
        for (const pid of ffmpeg) process.kill(pid, 'SIGKILL');
        killed = ffmpeg.length > 0;
        if (!killed) await sleep(100);
      }
      assert.ok(killed, 'the re-decode began');
      const res = await verifying;
      assert.equal(res.code, 1, res.stdout + res.stderr);
      const { error } = parseJson<{ error: { code: string; message: string } }>(res);
      assert.equal(error.code, 'TOOL_KILLED');
      assert.match(error.message, /ffmpeg was killed by SIGKILL/);
    } finally {
      await proxy.close();
    }
  });

  it('verify notices an output changed behind its back', async () => {
    for (const s of stores.filter((x) => x.name !== 'minio')) {
      await s.client.putObject('out', 'ffv1/archive.framemd5', Buffer.from('tampered\n'), 9);
      const res = await cli(['verify', `${s.name}/out/ffv1/`]);
      assert.equal(res.code, 2, `${s.name}: ${res.stdout}${res.stderr}`);
      assert.match(res.stdout + res.stderr, /archive\.framemd5/);
    }
  });

  it('job submit --recursive + worker --drain, then a re-submit queues nothing', async () => {
    for (const s of stores.filter((x) => x.name !== 'minio')) {
      // proxy: the clip's heavy noise (for a multipart archive) scores below mp4-h264's quality gate, as it should
      const submitArgs = ['job', 'submit', `${s.name}/media/in/`, '--recursive', '--preset', 'proxy', '--to', `${s.name}/out/jobs/`];
      const submit = await cli(submitArgs);
      assert.equal(submit.code, 0, `${s.name}: ${submit.stdout}${submit.stderr}`);
      assert.match(submit.stdout, /1 job queued/);
      const worker = await cli(['worker', '--drain']);
      assert.equal(worker.code, 0, `${s.name}: ${worker.stdout}${worker.stderr}`);
      const stored = await keys(s.client, 'out', 'jobs/');
      assert.ok(
        stored.some((k) => k.endsWith('/manifest.json')) && stored.some((k) => k.endsWith('.mp4')),
        `${s.name}: ${stored.join(', ')}`,
      );
      const again = await cli(submitArgs);
      assert.match(again.stdout, /0 jobs? queued, 1 skipped/, s.name);
    }
  });

  it('lists keys XML and URLs mangle (spaces, +, %, &, <, unicode) and pages past 1000, as the store holds them', async () => {
    const odd = ['odd/a b.mov', 'odd/c+d.mov', 'odd/p%20q.mov', 'odd/x&y<z>.mov', 'odd/é/ü.mov'];
    const many = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(4, '0')}.mov`);
    for (const s of stores) {
      const body = Buffer.from('x');
      for (const key of odd) await s.client.putObject('media', key, body, 1);
      await Promise.all(
        Array.from({ length: 16 }, async (_, lane) => {
          for (let i = lane; i < many.length; i += 16) await s.client.putObject('media', many[i]!, body, 1);
        }),
      );
      const names = async (prefix: string) => {
        const found: string[] = [];
        for await (const o of listObjects(s.client, 'media', prefix)) {
          assert.equal(o.size, 1, `${s.name}: ${o.name}`);
          assert.ok(Number.isFinite(Date.parse(o.lastModified)), `${s.name}: ${o.name} modified ${o.lastModified}`);
          found.push(o.name);
        }
        return found.sort();
      };
      assert.deepEqual(await names('odd/'), [...odd].sort(), s.name);
      assert.deepEqual(await names('many/'), many, s.name);
      await assert.rejects(
        async () => {
          for await (const _ of listObjects(s.client, 'no-such-bucket', '')) break;
        },
        (error) => storageFailure(error, { alias: s.name, path: 'no-such-bucket' }).code === 'BUCKET_NOT_FOUND',
        s.name,
      );
    }
  });

  it('reads two pages ahead of a slow consumer, whether the store says where the listing goes on before its objects (MinIO, moto) or after them (SeaweedFS)', async () => {
    for (const s of stores) {
      const requests = watchRequests((path) => path.includes('list-type=2') && path.includes('many'));
      try {
        let seen = 0;
        for await (const group of listObjectGroups(s.client, 'media', 'many/', { pageSize: 100 })) {
          if (seen === 0) {
            await requests.settledAt(3);
            assert.equal(requests.asked.length, 3, `${s.name}: the page being read and two more`);
          }
          seen += group.length;
        }
        assert.equal(seen, 1005, s.name);
        assert.equal(requests.asked.length, 11, `${s.name}: then every page, once`);
      } finally {
        requests.stop();
      }
    }
  });

  it('health, capacity and replicate say the store has no MinIO admin API, without an internal error', async () => {
    const vendor = vendorKeygen(mkdtempSync(path.join(os.tmpdir(), 'mpegflow-any-s3-keys-')), 'any-s3');
    const install = await cli(
      ['license', 'install', '-', '--trusted-key', vendor.publicJwks],
      vendorSign(vendor.privateJwk, ['--capabilities', 'encode,replication,health']),
    );
    assert.equal(install.code, 0, install.stderr);
    for (const s of stores.filter((x) => x.name !== 'minio')) {
      const health = await cli(['health', s.name]);
      assert.equal(health.code, 3, s.name);
      assert.match(health.stdout, /answers S3 but not MinIO's admin API: it is not MinIO \(server: /);
      assert.match(health.stdout, /encode, job and verify work with any S3 store/);
      const capacity = await cli(['capacity', s.name]);
      assert.equal(capacity.code, 1, s.name);
      assert.match(capacity.stderr, /answers S3 but not MinIO's admin API/);
      const replicate = await cli(['replicate', 'setup', `${s.name}/media`, 'minio/central', '--create-bucket']);
      assert.equal(replicate.code, 1, `${s.name}: ${replicate.stdout}${replicate.stderr}`);
      assert.match(replicate.stderr, /is not a MinIO server/);
      assert.match(replicate.stderr, /replication needs MinIO on both sides/);
      for (const out of [health.stdout, health.stderr, capacity.stderr, replicate.stderr])
        assert.doesNotMatch(out, /\n\s+at |TypeError|undefined/);
    }
  });

  it('never printed a secret key or a presigned URL', () => {
    const all = transcript.join('\n');
    for (const s of stores) if (s.secretKey !== 'testing-secret') assert.ok(!all.includes(s.secretKey), s.name);
    assert.doesNotMatch(all, /X-Amz-Signature/);
  });
});
