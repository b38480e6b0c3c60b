import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'minio';
import { runEncode, type RunEncodeOptions } from '../../../src/core/encode/pipeline.ts';
import { resolvePreset } from '../../../src/core/encode/presets/presets.ts';
import type { EncodeProgressEvent } from '../../../src/core/encode/ffmpeg/progress.ts';
import { verifyDestination } from '../../../src/core/encode/verify/verify.ts';
import { MpegflowError } from '../../../src/core/errors.ts';
import { signerOf } from '../../../src/core/s3/client.ts';
import { startFaultProxy } from '../../support/fault-proxy.ts';
import { duration, makeVideo, probe } from '../../support/media.ts';
import { incompleteUploads, startSingleDrive, type Deployment } from '../../support/minio.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-encode-faults-'));

async function keys(client: Client, bucket: string, prefix: string): Promise<string[]> {
  const names: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const stream = client.listObjectsV2(bucket, prefix, true);
    stream.on('data', (o) => names.push(o.name!));
    stream.on('error', reject);
    stream.on('end', () => resolve());
  });
  return names.sort();
}

describe('encode pipeline with MinIO: faults, retries, cancel, multipart', () => {
  let minio: Deployment;
  let client: Client;
  const clientFor = (url: string) => minio.endpointClient(url);
  const base = (extra: Partial<RunEncodeOptions> & Pick<RunEncodeOptions, 'source' | 'destination'>): RunEncodeOptions => ({
    preset: resolvePreset({ name: 'mp4-h264' }),
    s3For: () => client,
    ifExists: 'overwrite',
    ...extra,
  });

  before(async () => {
    minio = await startSingleDrive();
    client = minio.client();
    await client.makeBucket('media');
    await client.makeBucket('out');
    makeVideo(path.join(tmp, 'clip.mp4'), { width: 320, height: 240, seconds: 4 });
    makeVideo(path.join(tmp, 'big.mp4'), { width: 1280, height: 720, seconds: 3 });
    makeVideo(path.join(tmp, 'grainy.mp4'), { width: 640, height: 360, seconds: 3, noise: true });
    await client.fPutObject('media', 'clip.mp4', path.join(tmp, 'clip.mp4'));
    await client.fPutObject('media', 'big.mp4', path.join(tmp, 'big.mp4'));
    await client.fPutObject('media', 'grainy.mp4', path.join(tmp, 'grainy.mp4'));
  });
  after(async () => {
    await minio?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a read that outlives the signing of its request: the reconnect is signed afresh, one attempt, the whole duration', async () => {
    // a slow link through a proxy; each request is signed for 1 s and the link drops after 2 s, so ffmpeg reconnects
    // after the first signature has expired (a presigned URL on ffmpeg's command line was refused there)
    const proxy = await startFaultProxy({ targetPort: minio.nodes[0]!.port, bytesPerSecond: 150_000 });
    try {
      const viaProxy = clientFor(proxy.url);
      const events: EncodeProgressEvent[] = [];
      let cut = false;
      const result = await runEncode(
        base({
          source: { kind: 'remote', alias: 'e', bucket: 'media', key: 'clip.mp4' },
          destination: { kind: 'local', path: path.join(tmp, 'expiry') },
          s3For: () => viaProxy,
          urlLifetimeSeconds: 1,
          onProgress: (e) => {
            events.push(e);
            if (e.type === 'stage' && e.stage === 'encode' && e.state === 'start' && !cut) {
              cut = true;
              setTimeout(() => proxy.cutAll(), 2000);
            }
          },
        }),
      );
      assert.ok(proxy.connections() > 2, 'ffmpeg reconnected after the cut');
      assert.equal(result.attempts, 1, JSON.stringify(events.filter((e) => e.type === 'retry')));
      assert.ok(Math.abs(duration(probe(path.join(tmp, 'expiry', 'video.mp4'))) - 4) <= 2 / 25 + 0.03, 'the whole duration');
    } finally {
      await proxy.close();
    }
  });

  it('losing the storage while ffmpeg reads: retried, then a clear error that shows no presigned URL', async () => {
    const proxy = await startFaultProxy({ targetPort: minio.nodes[0]!.port, bytesPerSecond: 100_000 });
    const viaProxy = clientFor(proxy.url);
    const events: EncodeProgressEvent[] = [];
    let closed = false;
    const run = runEncode(
      base({
        source: { kind: 'remote', alias: 'e', bucket: 'media', key: 'clip.mp4' },
        destination: { kind: 'remote', alias: 'direct', bucket: 'out', prefix: 'lost' },
        s3For: (alias) => (alias === 'e' ? viaProxy : client),
        maxAttempts: 2,
        reconnectDelayMaxSeconds: 1,
        onProgress: (e) => {
          events.push(e);
          if (e.type === 'stage' && e.stage === 'encode' && e.state === 'start' && !closed) {
            closed = true;
            setTimeout(() => void proxy.close(), 1000);
          }
        },
      }),
    );
    await assert.rejects(run, (e: MpegflowError) => {
      assert.equal(e.code, 'SOURCE_READ_FAILED', `${e.code}: ${e.message}`);
      assert.equal(e.kind, 'external');
      const everything = JSON.stringify({ message: e.message, details: e.details, cause: String(e.cause) });
      assert.doesNotMatch(everything, /X-Amz-Signature=(?!\[REDACTED\])/);
      assert.match(String(e.details?.command), /^ffmpeg .* -i e\/media\/clip\.mp4 /s);
      return true;
    });
    assert.ok(
      events.some((e) => e.type === 'retry'),
      'one retry with a fresh URL before giving up',
    );
    assert.deepEqual(await keys(client, 'out', 'lost/'), [], 'no manifest, no partial outputs');
  });

  it('a node that takes the connection and never answers: the probe gives up after the I/O timeout', { timeout: 30_000 }, async () => {
    // the HEAD of the object passes; the GET for ffprobe is accepted and never answered
    const proxy = await startFaultProxy({ targetPort: minio.nodes[0]!.port, hangOn: (request) => request.startsWith('GET ') });
    try {
      const viaProxy = clientFor(proxy.url);
      const started = Date.now();
      await assert.rejects(
        runEncode(
          base({
            source: { kind: 'remote', alias: 'e', bucket: 'media', key: 'clip.mp4' },
            destination: { kind: 'local', path: path.join(tmp, 'hung') },
            s3For: () => viaProxy,
            ioTimeoutSeconds: 2,
          }),
        ),
        (e: MpegflowError) => {
          assert.equal(e.code, 'SOURCE_UNREACHABLE', `${e.code}: ${e.message}`);
          assert.ok(e.retryable, 'the job queue tries again later');
          assert.match(e.message, /e\/media\/clip\.mp4/);
          assert.doesNotMatch(JSON.stringify({ message: e.message, details: e.details }), /X-Amz-Signature=(?!\[REDACTED\])/);
          return true;
        },
      );
      const seconds = (Date.now() - started) / 1000;
      assert.ok(seconds >= 2 && seconds < 10, `failed after ${seconds.toFixed(1)} s`);
    } finally {
      await proxy.close();
    }
  });

  it('the source replaced between the two probes: SOURCE_CHANGED, not "truncated"', async () => {
    // a new upload of the key lands just before the second probe (-read_intervals), which reads through the relay pinned to the first ETag
    await client.fPutObject('media', 'replaced.mp4', path.join(tmp, 'clip.mp4'));
    const upload = await client.presignedPutObject('media', 'replaced.mp4', 600);
    const ffprobe = path.join(tmp, 'ffprobe-after-new-upload');
    writeFileSync(
      ffprobe,
      `#!/bin/bash
if [[ " $* " == *" -read_intervals "* ]]; then
  ${JSON.stringify(process.execPath)} -e 'fetch(process.argv[1], { method: "PUT", body: "another upload" }).then((r) => process.exit(r.ok ? 0 : 1))' ${JSON.stringify(upload)} || exit 99
fi
exec ffprobe "$@"
`,
      { mode: 0o755 },
    );
    await assert.rejects(
      runEncode(
        base({
          source: { kind: 'remote', alias: 'e', bucket: 'media', key: 'replaced.mp4' },
          destination: { kind: 'local', path: path.join(tmp, 'changed') },
          tools: { ffmpeg: 'ffmpeg', ffprobe },
        }),
      ),
      (e: MpegflowError) => {
        assert.equal(e.code, 'SOURCE_CHANGED', `${e.code}: ${e.message}`);
        assert.match(e.message, /^e\/media\/replaced\.mp4 changed while ffprobe read it$/);
        return true;
      },
    );
  });

  it('uploads a large output as a multipart upload with concurrent parts', async () => {
    const parts: number[] = [];
    // count the part uploads in flight at once; each is held back a little, so parts that are
    // sent concurrently overlap for certain and parts sent one at a time never do
    const counted = minio.client();
    const signer = signerOf(counted);
    const sign = signer.sign.bind(signer);
    let inFlight = 0;
    let mostInFlight = 0;
    let partRequests = 0;
    signer.sign = async (...args: Parameters<typeof sign>) => {
      if (!args[0].query?.partNumber) return sign(...args);
      partRequests++;
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      try {
        await sleep(400);
        return await sign(...args);
      } finally {
        inFlight--;
      }
    };
    const result = await runEncode(
      base({
        s3For: () => counted,
        preset: resolvePreset({ name: 'archive-ffv1' }),
        source: { kind: 'remote', alias: 'e', bucket: 'media', key: 'grainy.mp4' },
        destination: { kind: 'remote', alias: 'e', bucket: 'out', prefix: 'multipart' },
        partSize: 5 * 1024 * 1024,
        partConcurrency: 3,
        onProgress: (e) => {
          if (e.type === 'upload' && !e.done) parts.push(e.objectBytes);
        },
      }),
    );
    const mkv = result.outputs.find((o) => o.name === 'archive.mkv')!;
    assert.ok(mkv.size > 15 * 1024 * 1024, `archive is ${mkv.size} bytes`);
    const stat = await client.statObject('out', 'multipart/archive.mkv');
    assert.match(stat.etag, new RegExp(`-${Math.ceil(mkv.size / (5 * 1024 * 1024))}$`), 'a multipart ETag');
    assert.ok(parts.length >= 3);
    assert.equal(partRequests, Math.ceil(mkv.size / (5 * 1024 * 1024)), "every part was signed by the counted client's signer");
    assert.equal(mostInFlight, 3, 'three parts were in flight at once (partConcurrency), never more');
    const report = await verifyDestination({
      destination: { kind: 'remote', alias: 'e', bucket: 'out', prefix: 'multipart' },
      s3For: () => client,
    });
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.equal(report.fixity!.mismatches, 0);
  });

  it('cancel during a multipart upload: no manifest, no incomplete upload, nothing left stored', async () => {
    const controller = new AbortController();
    await assert.rejects(
      runEncode(
        base({
          preset: resolvePreset({ name: 'archive-ffv1' }),
          source: { kind: 'remote', alias: 'e', bucket: 'media', key: 'grainy.mp4' },
          destination: { kind: 'remote', alias: 'e', bucket: 'out', prefix: 'cancelled' },
          partSize: 5 * 1024 * 1024,
          partConcurrency: 1,
          signal: controller.signal,
          onProgress: (e) => {
            if (e.type === 'upload' && !e.done) controller.abort();
          },
        }),
      ),
      (e: MpegflowError) => e.code === 'CANCELLED',
    );
    assert.deepEqual(await keys(client, 'out', 'cancelled/'), []);
    assert.deepEqual(await incompleteUploads(client, 'out'), []);
  });

  it('MinIO stopped during the upload: a clear storage error; once it is back, a re-run completes and cleans up', async () => {
    const destination = { kind: 'remote' as const, alias: 'e', bucket: 'out', prefix: 'outage' };
    let stopped = false;
    await assert.rejects(
      runEncode(
        base({
          preset: resolvePreset({ name: 'hls-h264' }),
          source: { kind: 'local', path: path.join(tmp, 'big.mp4') },
          destination,
          onProgress: (e) => {
            if (e.type === 'stage' && e.stage === 'encode' && e.state === 'start' && !stopped) {
              stopped = true;
              void minio.killNode(0);
            }
          },
        }),
      ),
      (e: MpegflowError) => {
        assert.equal(e.code, 'UNREACHABLE', `${e.code}: ${e.message}`);
        assert.equal(e.retryable, true);
        assert.match(e.suggestion ?? '', /endpoint test/);
        return true;
      },
    );
    await minio.restartNode(0);
    assert.deepEqual(
      (await keys(client, 'out', 'outage/')).filter((k) => k.endsWith('manifest.json')),
      [],
    );
    const again = await runEncode(
      base({ preset: resolvePreset({ name: 'hls-h264' }), source: { kind: 'local', path: path.join(tmp, 'big.mp4') }, destination }),
    );
    assert.equal(again.status, 'done');
    assert.deepEqual(await incompleteUploads(client, 'out'), []);
    assert.equal((await verifyDestination({ destination, s3For: () => client })).ok, true);
  });
});
