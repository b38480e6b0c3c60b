import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'minio';
import { parseJson, runCli, spawnCli, tempHome, transcript } from '../../support/cli.ts';
import { duration, makeVideo, probe, videoStream } from '../../support/media.ts';
import { incompleteUploads, mcFor, startSingleDrive, type Deployment } from '../../support/minio.ts';

interface EncodeJson {
  status: string;
  destination: string;
  manifest: string;
  renditions: { name: string; width: number; height: number }[];
  outputs: { name: string; size: number }[];
  source: { kind: string; key?: string; etag?: string };
}
interface VerifyJson {
  ok: boolean;
  fixity: { frames: number; mismatches: number } | null;
  problems: { name: string; location: string; problem: string }[];
}
interface ErrorJson {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

async function list(client: Client, bucket: string, prefix: string): Promise<{ name: string; lastModified: Date; size: number }[]> {
  const items: { name: string; lastModified: Date; size: number }[] = [];
  await new Promise<void>((resolve, reject) => {
    const stream = client.listObjectsV2(bucket, prefix, true);
    stream.on('data', (o) => items.push({ name: o.name!, lastModified: o.lastModified!, size: o.size }));
    stream.on('error', reject);
    stream.on('end', () => resolve());
  });
  return items.sort((a, b) => a.name.localeCompare(b.name));
}

async function download(client: Client, bucket: string, prefix: string, dir: string): Promise<string[]> {
  const names: string[] = [];
  for (const item of await list(client, bucket, prefix)) {
    const name = item.name.slice(prefix.length);
    await client.fGetObject(bucket, item.name, path.join(dir, name));
    names.push(name);
  }
  return names;
}

describe('mpegflow encode / verify with MinIO (CLI)', () => {
  const { home, cleanup } = tempHome('mpegflow-encode-remote-');
  const local = path.join(home, 'local');
  const env: Record<string, string> = { EDGE_SECRET: '' };
  let minio: Deployment;
  let client: Client;
  const cli = (args: string[]) => runCli(args, { home, cwd: local, env, timeoutMs: 120_000 });

  before(async () => {
    minio = await startSingleDrive();
    client = minio.client();
    env.EDGE_SECRET = minio.secretKey;
    mkdirSync(local, { recursive: true });
    makeVideo(path.join(local, 'sample.mp4'), { width: 1280, height: 720, seconds: 2 });
    makeVideo(path.join(local, 'small.mp4'), { width: 320, height: 240, seconds: 2 });
    await client.makeBucket('media');
    await client.makeBucket('vod');
    await client.fPutObject('media', 'in/my clip é.mp4', path.join(local, 'sample.mp4'));
    await client.fPutObject('media', 'in/small.mp4', path.join(local, 'small.mp4'));
    const added = await cli([
      'endpoint',
      'add',
      'edge',
      '--url',
      minio.url,
      '--access-key',
      minio.accessKey,
      '--secret-key-env',
      'EDGE_SECRET',
    ]);
    assert.equal(added.code, 0, added.stderr);
  });
  after(async () => {
    await minio?.stop();
    cleanup();
  });

  it('local → remote: every output in the bucket, the manifest written last', async () => {
    const res = await cli(['encode', 'sample.mp4', '--to', 'edge/vod/sample/', '--json']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const doc = parseJson<EncodeJson>(res);
    assert.equal(doc.destination, 'edge/vod/sample/');
    assert.equal(doc.manifest, 'edge/vod/sample/manifest.json');
    const objects = await list(client, 'vod', 'sample/');
    const manifest = objects.find((o) => o.name === 'sample/manifest.json')!;
    assert.ok(manifest, 'manifest stored');
    for (const o of objects) assert.ok(o.lastModified <= manifest.lastModified, `${o.name} stored before the manifest`);
    assert.deepEqual(
      objects.map((o) => o.name.slice('sample/'.length)).filter((n) => n !== 'manifest.json'),
      doc.outputs.map((o) => o.name).sort(),
    );
    const dir = path.join(home, 'check-local-to-remote');
    await download(client, 'vod', 'sample/', dir);
    for (const r of doc.renditions) {
      const probed = probe(path.join(dir, r.name, 'index.m3u8'));
      assert.equal(`${videoStream(probed).width}x${videoStream(probed).height}`, `${r.width}x${r.height}`);
      assert.ok(Math.abs(duration(probed) - 2) <= 2 / 25 + 0.03, `${r.name}: ${duration(probed)}`);
      const playlist = readFileSync(path.join(dir, r.name, 'index.m3u8'), 'utf8');
      const listed = playlist.split('\n').filter((l) => l.endsWith('.ts'));
      assert.deepEqual(
        listed,
        readdirSync(path.join(dir, r.name))
          .filter((f) => f.endsWith('.ts'))
          .sort(),
      );
    }
    assert.deepEqual(await incompleteUploads(client, 'vod'), []);
  });

  it('remote → remote beside the source, for a key with spaces and unicode', async () => {
    const res = await cli(['encode', 'edge/media/in/my clip é.mp4', '--preset', 'mp4-h264', '--json']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const doc = parseJson<EncodeJson>(res);
    assert.equal(doc.destination, 'edge/media/in/my clip é.mp4-h264/');
    assert.equal(doc.source.key, 'in/my clip é.mp4');
    assert.match(doc.source.etag ?? '', /^[0-9a-f]{32}/);
    const dir = path.join(home, 'check-remote-to-remote');
    assert.deepEqual(await download(client, 'media', 'in/my clip é.mp4-h264/', dir), ['manifest.json', 'video.mp4']);
    const probed = probe(path.join(dir, 'video.mp4'));
    assert.equal(videoStream(probed).codec_name, 'h264');
    assert.equal(`${videoStream(probed).width}x${videoStream(probed).height}`, '1280x720');
    assert.ok(Math.abs(duration(probed) - 2) <= 2 / 25 + 0.03);
    const again = parseJson<EncodeJson>(await cli(['encode', 'edge/media/in/my clip é.mp4', '--preset', 'mp4-h264', '--json']));
    assert.equal(again.status, 'skipped', 'the same source version and preset: nothing to do');
  });

  it('remote → local', async () => {
    const res = await cli(['encode', 'edge/media/in/small.mp4', '--preset', 'proxy', '--to', 'from-remote', '--json']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const probed = probe(path.join(local, 'from-remote', 'proxy.mp4'));
    assert.equal(`${videoStream(probed).width}x${videoStream(probed).height}`, '320x240');
    assert.ok(existsSync(path.join(local, 'from-remote', 'manifest.json')));
    assert.equal((await cli(['verify', 'from-remote'])).code, 0);
  });

  it('a re-run encodes again when outputs its manifest lists are gone from the bucket, not trusting the manifest', async () => {
    const args = ['encode', 'edge/media/in/small.mp4', '--to', 'edge/vod/repair/', '--json'];
    assert.equal((await cli(args)).code, 0);
    assert.equal(parseJson<EncodeJson>(await cli(args)).status, 'skipped');
    const segment = (await list(client, 'vod', 'repair/')).find((o) => o.name.endsWith('.ts'))!.name;
    await client.removeObject('vod', segment);
    const res = await cli(args);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const doc = parseJson<EncodeJson & { warnings: string[] }>(res);
    assert.equal(doc.status, 'done');
    assert.ok(
      doc.warnings.some((w) => w.endsWith(`outputs is missing or changed since (${segment.slice('repair/'.length)}): encoding it again`)),
      doc.warnings.join('\n'),
    );
    assert.equal(parseJson<VerifyJson>(await cli(['verify', 'edge/vod/repair/', '--json'])).ok, true);
  });

  it('verify in MinIO: passes, then names the changed segment and the deleted output (exit 2)', async () => {
    const ok = parseJson<VerifyJson>(await cli(['verify', 'edge/vod/sample/', '--json']));
    assert.equal(ok.ok, true, JSON.stringify(ok.problems));
    const key = 'sample/480p/seg_00000.ts';
    const stream = await client.getObject('vod', key);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    bytes[4000] = bytes[4000]! ^ 0x80;
    await client.putObject('vod', key, bytes);
    await client.removeObject('vod', 'sample/360p/index.m3u8');
    const res = await cli(['verify', 'edge/vod/sample', '--json']);
    assert.equal(res.code, 2);
    const report = parseJson<VerifyJson>(res);
    assert.deepEqual(
      report.problems.map((p) => [p.location, p.problem]),
      [
        ['edge/vod/sample/360p/index.m3u8', 'missing'],
        ['edge/vod/sample/480p/seg_00000.ts', 'checksum'],
      ],
    );
    const human = await cli(['verify', 'edge/vod/sample/']);
    assert.equal(human.code, 2);
    assert.match(human.stdout, /edge\/vod\/sample\/480p\/seg_00000\.ts\s+checksum/);
  });

  it('--force over a published encode keeps it whole until the new one is, and leaves it as it was when cancelled', async () => {
    const long = path.join(local, 'long.mp4');
    makeVideo(long, { width: 854, height: 480, seconds: 20 });
    const first = await cli(['encode', long, '--to', 'edge/vod/live/', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const published = await list(client, 'vod', 'live/');

    // cancelled while ffmpeg encodes: the published encode is untouched, its manifest there, nothing staged left
    const forced = spawnCli(['encode', long, '--to', 'edge/vod/live/', '--force'], { home, env: { ...env, CI: 'true' } });
    for (let waited = 0; !/encode.*(started|\d+%)/i.test(forced.log()); waited += 50) {
      assert.ok(waited < 60_000, `the encode never began: ${forced.log()}`);
      await sleep(50);
    }
    await sleep(500);
    assert.deepEqual(
      (await list(client, 'vod', 'live/')).map((o) => [o.name, o.size]),
      published.map((o) => [o.name, o.size]),
      'nothing published changes while the new encode is made',
    );
    forced.child.kill('SIGINT');
    assert.equal(await forced.exited, 130, forced.log());
    assert.deepEqual(
      (await list(client, 'vod', 'live/')).map((o) => [o.name, o.lastModified.getTime()]),
      published.map((o) => [o.name, o.lastModified.getTime()]),
    );
    assert.equal(parseJson<VerifyJson>(await cli(['verify', 'edge/vod/live/', '--json'])).ok, true);
    assert.deepEqual(await list(client, 'vod', '.mpegflow-staging/'), [], 'the staged encode is discarded');

    // replaced by an encode with other outputs: only the new outputs and manifest remain
    const replaced = await cli(['encode', long, '--preset', 'mp4-h264', '--to', 'edge/vod/live/', '--force', '--json']);
    assert.equal(replaced.code, 0, replaced.stdout + replaced.stderr);
    const doc = parseJson<EncodeJson>(replaced);
    assert.deepEqual([doc.destination, doc.manifest], ['edge/vod/live/', 'edge/vod/live/manifest.json']);
    assert.deepEqual(
      (await list(client, 'vod', 'live/')).map((o) => o.name),
      ['live/manifest.json', ...doc.outputs.map((o) => `live/${o.name}`)].sort(),
    );
    assert.equal(parseJson<VerifyJson>(await cli(['verify', 'edge/vod/live/', '--json'])).ok, true);
    assert.deepEqual(await list(client, 'vod', '.mpegflow-staging/'), []);
    assert.deepEqual(await incompleteUploads(client, 'vod'), []);
  });

  it('encode --force into a bucket says, without --json, how far moving the new encode into place got', async () => {
    const args = ['encode', 'edge/media/in/small.mp4', '--preset', 'mp4-h264', '--to', 'edge/vod/moved/', '--force'];
    const fresh = await cli(args);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stderr, /manifest: done\n.*publish: skipped \(there was no encode to replace\)/);
    const again = await cli(args);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stderr,
      /manifest: done[\s\S]*publish: started \((\d+) outputs?\)\n[\s\S]*moved \1\/\1 outputs into place\n.*publish: done/,
    );

    // a manifest that cannot be read may still stand for a published encode: replaced through staging all the same
    await client.putObject('vod', 'unreadable/manifest.json', Buffer.from('{"not a manifest'));
    await client.putObject('vod', 'unreadable/old-poster.jpg', Buffer.from('an output of the old encode'));
    const over = await cli(['encode', 'edge/media/in/small.mp4', '--preset', 'mp4-h264', '--to', 'edge/vod/unreadable/', '--force']);
    assert.equal(over.code, 0, over.stderr);
    assert.match(over.stderr, /publish: started \(\d+ outputs?\)[\s\S]*publish: done/);
    assert.equal(parseJson<VerifyJson>(await cli(['verify', 'edge/vod/unreadable/', '--json'])).ok, true);
    assert.ok(
      (await list(client, 'vod', 'unreadable/')).some((o) => o.name === 'unreadable/old-poster.jpg'),
      'what the unreadable manifest listed is unknown: nothing is removed as stale',
    );
    assert.deepEqual(await list(client, 'vod', '.mpegflow-staging/'), []);
  });

  it('archive-ffv1 remote → remote, and verify re-decodes it through MinIO', async () => {
    const res = await cli(['encode', 'edge/media/in/small.mp4', '--preset', 'archive-ffv1', '--to', 'edge/vod/archive/small/', '--json']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const report = parseJson<VerifyJson>(await cli(['verify', 'edge/vod/archive/small/', '--json']));
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.ok(report.fixity!.frames >= 50);
    assert.equal(report.fixity!.mismatches, 0);
  });

  it('never writes outside the destination: ../../x keys, prefixes and manifest entries are refused', async () => {
    const before = readdirSync(home).sort();
    // '..' in an object key is refused as the argument is read, before any request (a usage error)
    const source = await cli(['encode', 'edge/media/../../x.mp4', '--json']);
    assert.equal(source.code, 2);
    assert.equal(parseJson<ErrorJson>(source).error.code, 'INVALID_OBJECT_KEY');
    const dest = await cli(['encode', 'edge/media/in/small.mp4', '--to', 'edge/vod/../../x/', '--json']);
    assert.equal(dest.code, 2);
    assert.equal(parseJson<ErrorJson>(dest).error.code, 'INVALID_OBJECT_KEY');
    // a manifest edited to point outside its folder is refused before anything is read
    const manifest = JSON.parse(readFileSync(path.join(local, 'from-remote', 'manifest.json'), 'utf8')) as { outputs: { name: string }[] };
    manifest.outputs[0]!.name = '../../../../etc/hostname';
    await client.putObject('vod', 'evil/manifest.json', Buffer.from(JSON.stringify(manifest)));
    writeFileSync(path.join(local, 'from-remote', 'manifest.json'), JSON.stringify(manifest));
    for (const target of ['edge/vod/evil/', 'from-remote']) {
      const res = await cli(['verify', target, '--json']);
      assert.equal(res.code, 1, target);
      const { error } = parseJson<ErrorJson>(res);
      assert.equal(error.code, 'MANIFEST_INVALID', target);
      assert.match(error.message, /would point outside the destination/);
    }
    assert.deepEqual(readdirSync(home).sort(), before);
    assert.deepEqual(
      (await list(client, 'vod', '')).filter((o) => o.name.includes('..')),
      [],
    );
  });

  it('an encode into the folder of its source refuses to write over it; another name there is fine', async () => {
    await client.fPutObject('media', 'own/video.mp4', path.join(local, 'small.mp4'));
    const before = await client.statObject('media', 'own/video.mp4');
    const res = await cli(['encode', 'edge/media/own/video.mp4', '--preset', 'mp4-h264', '--to', 'edge/media/own/', '--json']);
    assert.equal(res.code, 1, res.stderr);
    const { error } = parseJson<ErrorJson>(res);
    assert.equal(error.code, 'OUTPUT_OVER_SOURCE');
    assert.match(error.message, /would write its output video\.mp4 over its own source edge\/media\/own\/video\.mp4/);
    assert.equal((await client.statObject('media', 'own/video.mp4')).etag, before.etag, 'the source is untouched');
    assert.deepEqual(
      (await list(client, 'media', 'own/')).map((o) => o.name),
      ['own/video.mp4'],
    );
    await client.copyObject('media', 'own/master.mp4', '/media/own/video.mp4');
    const beside = await cli(['encode', 'edge/media/own/master.mp4', '--preset', 'mp4-h264', '--to', 'edge/media/own/', '--json']);
    assert.equal(beside.code, 0, beside.stderr);
  });

  /** A MinIO user allowed only `actions`, configured as endpoint NAME (its secret in the environment). */
  async function limitedEndpoint(name: string, actions: string[]): Promise<void> {
    const mc = mcFor(minio);
    const policy = path.join(home, `${name}.json`);
    writeFileSync(
      policy,
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: ['arn:aws:s3:::*'] }] }),
    );
    const secret = `k${name}Secret123`;
    mc(['admin', 'policy', 'create', 't', `${name}-policy`, policy]);
    mc(['admin', 'user', 'add', 't', name, secret]);
    mc(['admin', 'policy', 'attach', 't', `${name}-policy`, '--user', name]);
    env[`${name.toUpperCase()}_SECRET`] = secret;
    const added = await cli([
      'endpoint',
      'add',
      name,
      '--url',
      minio.url,
      '--access-key',
      name,
      '--secret-key-env',
      `${name.toUpperCase()}_SECRET`,
    ]);
    assert.equal(added.code, 0, added.stderr);
  }

  it('keys that may read the destination but not write it are refused before the encode, not after it', async () => {
    await limitedEndpoint('reader', ['s3:GetObject', 's3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads']);
    const res = await cli(['encode', 'reader/media/in/small.mp4', '--preset', 'mp4-h264', '--to', 'reader/vod/denied/', '--verbose']);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /reader\/vod\/denied\/.*(denied|refused)/i);
    assert.doesNotMatch(res.stderr, /encode: started|encode [\d.]+%/, 'refused before ffmpeg ran');
    assert.deepEqual(await list(client, 'vod', 'denied/'), []);
  });

  it('a least-privilege key that may write but not list multipart uploads encodes (leftover clean-up skipped)', async () => {
    await limitedEndpoint('writer', [
      's3:GetObject',
      's3:PutObject',
      's3:DeleteObject',
      's3:ListBucket',
      's3:GetBucketLocation',
      's3:AbortMultipartUpload',
    ]);
    const res = await cli(['encode', 'writer/media/in/small.mp4', '--preset', 'mp4-h264', '--to', 'writer/vod/least/', '--verbose']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /warning: not checked for unfinished uploads .*writer\/vod\/least\/.*s3:ListBucketMultipartUploads/);
    const json = parseJson<{ warnings?: string[] }>(
      await cli(['encode', 'writer/media/in/small.mp4', '--preset', 'mp4-h264', '--to', 'writer/vod/least2/', '--json']),
    );
    assert.equal(json.warnings?.length, 1, '--json shows no progress: the result says it');
    assert.match(json.warnings?.[0] ?? '', /s3:ListBucketMultipartUploads/);
    // a replacement is staged under a prefix of its own, new each run: no earlier run can have left uploads there
    const again = parseJson<{ warnings?: string[] }>(
      await cli(['encode', 'writer/media/in/small.mp4', '--preset', 'mp4-h264', '--to', 'writer/vod/least/', '--force', '--json']),
    );
    assert.deepEqual(again.warnings ?? [], []);
    assert.ok((await list(client, 'vod', 'least/')).some((o) => o.name === 'least/manifest.json'));
  });

  it('missing objects and buckets are named', async () => {
    const noKey = parseJson<ErrorJson>(await cli(['encode', 'edge/media/in/nothing.mov', '--json']));
    assert.equal(noKey.error.code, 'SOURCE_NOT_FOUND');
    assert.match(noKey.error.message, /edge\/media\/in\/nothing\.mov: no such object/);
    const noBucket = parseJson<ErrorJson>(await cli(['encode', 'edge/nobucket/x.mov', '--json']));
    assert.equal(noBucket.error.code, 'BUCKET_NOT_FOUND');
    assert.match(noBucket.error.message, /edge\/nobucket\/x\.mov: the bucket does not exist on endpoint 'edge'/);
  });

  it('no presigned URL appears in any output of these runs', () => {
    const all = transcript.join('\n');
    assert.ok(all.length > 0);
    assert.doesNotMatch(all, /X-Amz-Signature=(?!\[REDACTED\])/);
    assert.doesNotMatch(all, /X-Amz-Credential=(?!\[REDACTED\])/);
    assert.ok(!all.includes(minio.secretKey));
  });
});
