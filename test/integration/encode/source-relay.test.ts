import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'minio';
import { runEncode } from '../../../src/core/encode/pipeline.ts';
import { resolvePreset } from '../../../src/core/encode/presets/presets.ts';
import { signerOf } from '../../../src/core/s3/client.ts';
import { openSourceRelay, RELAY_INPUT_ARGS } from '../../../src/core/encode/source/source-relay.ts';
import { MpegflowError } from '../../../src/core/errors.ts';
import { NGINX_UNAVAILABLE, startGateway } from '../../support/gateway.ts';
import { startFaultProxy } from '../../support/fault-proxy.ts';
import { makeVideo } from '../../support/media.ts';
import { startSingleDrive, type Deployment } from '../../support/minio.ts';

/** The command lines of running processes that mention `needle`, as any local user reads them in /proc. */
function commandLinesWith(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const line = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (line.includes(needle) && !line.includes('node')) found.push(line);
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** ffprobe reading a URL, as this user or (as root) as `nobody`; not spawnSync: the relay answers from this process. */
async function ffprobe(url: string, asNobody = false): Promise<{ ok: boolean; stderr: string }> {
  const args = ['-v', 'warning', ...RELAY_INPUT_ARGS, '-show_format', url];
  const [file, ...rest] = asNobody
    ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', 'ffprobe', ...args]
    : ['ffprobe', ...args];
  try {
    await promisify(execFile)(file!, rest);
    return { ok: true, stderr: '' };
  } catch (error) {
    return { ok: false, stderr: String((error as { stderr?: string }).stderr) };
  }
}

const canSwitchUser = process.getuid?.() === 0 && spawnSync('id', ['-u', 'nobody']).status === 0;

describe('a remote source read through the loopback relay', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-source-relay-'));
  let minio: Deployment;
  let client: Client;
  const body = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));

  before(async () => {
    minio = await startSingleDrive();
    client = minio.client();
    await client.makeBucket('media');
    await client.putObject('media', 'bytes/sample.bin', body);
    makeVideo(path.join(tmp, 'clip.mp4'), { width: 320, height: 240, seconds: 4 });
    await client.fPutObject('media', 'watched/relay-cmdline-4c1f.mp4', path.join(tmp, 'clip.mp4'));
  });
  after(async () => {
    await minio?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('serves the object, and ranges of it, to its token only, pinned to the version it was opened for', async () => {
    const { etag } = await client.statObject('media', 'bytes/sample.bin');
    const relay = await openSourceRelay({ signer: signerOf(client), bucket: 'media', key: 'bytes/sample.bin', etag });
    try {
      assert.match(relay.url, /^http:\/\/127\.0\.0\.1:\d+\/[\w-]{32}\/sample\.bin$/);
      assert.doesNotMatch(relay.url, new RegExp(`X-Amz|${minio.accessKey}`));
      const whole = await fetch(relay.url);
      assert.equal(whole.status, 200);
      assert.deepEqual(Buffer.from(await whole.arrayBuffer()), body);
      const part = await fetch(relay.url, { headers: { range: 'bytes=1000-1009' } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 1000-1009/${body.length}`);
      assert.deepEqual(Buffer.from(await part.arrayBuffer()), body.subarray(1000, 1010));
      const elsewhere = relay.url.replace(/\/[\w-]{32}\//, '/not-the-token-not-the-token-abcd/');
      assert.equal((await fetch(elsewhere)).status, 404);
      assert.equal((await fetch(relay.url, { method: 'PUT', body: 'x' })).status, 405);
      // the source overwritten while it is read: the store refuses the old version's If-Match
      await client.putObject('media', 'bytes/sample.bin', Buffer.from('another upload'));
      assert.equal((await fetch(relay.url)).status, 412);
    } finally {
      await relay.close();
    }
    await assert.rejects(fetch(relay.url), 'closed with the encode');
  });

  it('passes a large answer on byte for byte, whole and from a range, as the store framed it (length or chunks)', async () => {
    const large = randomBytes(9 * 1024 * 1024 + 17);
    await client.putObject('media', 'bytes/large.bin', large);
    // a balancer that re-frames every answer as chunks (as one that compresses or buffers does)
    const chunking = http.createServer((request, response) => {
      http.get({ port: minio.nodes[0]!.port, path: request.url, headers: request.headers }, (answered) => {
        const { 'content-length': _, ...headers } = answered.headers;
        response.writeHead(answered.statusCode ?? 502, headers);
        answered.pipe(response);
      });
    });
    await new Promise<void>((resolve) => chunking.listen(0, '127.0.0.1', resolve));
    const stores = [client, minio.endpointClient(`http://127.0.0.1:${(chunking.address() as AddressInfo).port}`)];
    try {
      for (const [framing, store] of [
        ['length', stores[0]!],
        ['chunks', stores[1]!],
      ] as const) {
        const relay = await openSourceRelay({ signer: signerOf(store), bucket: 'media', key: 'bytes/large.bin' });
        try {
          const whole = await fetch(relay.url);
          assert.equal(whole.headers.get('transfer-encoding') ?? 'length', framing === 'chunks' ? 'chunked' : 'length');
          assert.ok(Buffer.from(await whole.arrayBuffer()).equals(large), `${framing}: the whole object, byte for byte`);
          const tail = await fetch(relay.url, { headers: { range: 'bytes=3000000-' } });
          assert.equal(tail.status, 206);
          assert.ok(Buffer.from(await tail.arrayBuffer()).equals(large.subarray(3_000_000)), `${framing}: from a range`);
        } finally {
          await relay.close();
        }
      }
    } finally {
      chunking.closeAllConnections();
      await new Promise((resolve) => chunking.close(resolve));
    }
  });

  it(
    'serves only processes of its own user: another local user who read the token in `ps` is refused',
    { skip: !canSwitchUser && 'needs root and a user nobody to connect as another user' },
    async () => {
      const relay = await openSourceRelay({ signer: signerOf(client), bucket: 'media', key: 'watched/relay-cmdline-4c1f.mp4' });
      try {
        assert.deepEqual(await ffprobe(relay.url), { ok: true, stderr: '' });
        const stranger = await ffprobe(relay.url, true);
        assert.equal(stranger.ok, false);
        assert.match(stranger.stderr, /403 Forbidden/);
      } finally {
        await relay.close();
      }
    },
  );

  it("the store failing the relay's reads during the probe: SOURCE_UNREACHABLE, worth another try, not a corrupt source", async () => {
    // a balancer before MinIO that answers every presigned GET (the relay's) with nginx's 503 page and passes the HEAD
    const gateway = await startGateway(minio.nodes[0]!.port, (request) =>
      request.url?.includes('X-Amz-Signature=') ? NGINX_UNAVAILABLE : undefined,
    );
    try {
      await assert.rejects(
        runEncode({
          source: { kind: 'remote', alias: 'e', bucket: 'media', key: 'watched/relay-cmdline-4c1f.mp4' },
          preset: resolvePreset({ name: 'mp4-h264' }),
          destination: { kind: 'local', path: path.join(tmp, 'busy') },
          s3For: () => minio.endpointClient(gateway.url),
        }),
        (e: MpegflowError) => {
          assert.equal(e.code, 'SOURCE_UNREACHABLE', `${e.code}: ${e.message}`);
          assert.equal(e.retryable, true);
          return true;
        },
      );
    } finally {
      await gateway.stop();
    }
  });

  it("ffmpeg reads the relay directly, not through the environment's http_proxy", async () => {
    const saved = process.env.http_proxy;
    // nothing listens on port 9: a proxy ffmpeg tried would refuse it
    process.env.http_proxy = 'http://127.0.0.1:9';
    try {
      const result = await runEncode({
        source: { kind: 'remote', alias: 'e', bucket: 'media', key: 'watched/relay-cmdline-4c1f.mp4' },
        preset: resolvePreset({ name: 'proxy' }),
        destination: { kind: 'local', path: path.join(tmp, 'proxied') },
        s3For: () => client,
      });
      assert.equal(result.status, 'done');
    } finally {
      if (saved === undefined) delete process.env.http_proxy;
      else process.env.http_proxy = saved;
    }
  });

  it('the command lines of ffprobe and ffmpeg, which any local user can read, hold no signature or key', async () => {
    // a slow link keeps ffmpeg reading long enough to be seen
    const proxy = await startFaultProxy({ targetPort: minio.nodes[0]!.port, bytesPerSecond: 200_000 });
    const viaProxy = minio.endpointClient(proxy.url);
    const seen = new Set<string>();
    const watch = setInterval(() => commandLinesWith('relay-cmdline-4c1f').forEach((line) => seen.add(line)), 20);
    try {
      const result = await runEncode({
        source: { kind: 'remote', alias: 'e', bucket: 'media', key: 'watched/relay-cmdline-4c1f.mp4' },
        preset: resolvePreset({ name: 'mp4-h264' }),
        destination: { kind: 'local', path: path.join(tmp, 'watched') },
        s3For: () => viaProxy,
      });
      assert.equal(result.status, 'done');
    } finally {
      clearInterval(watch);
      await proxy.close();
    }
    const lines = [...seen];
    assert.ok(
      lines.some((line) => /ffmpeg/.test(line)),
      `ffmpeg was seen running: ${lines.join('\n')}`,
    );
    for (const line of lines) {
      assert.doesNotMatch(line, /X-Amz-|Signature|Credential/i, line);
      assert.ok(!line.includes(minio.accessKey), line);
      assert.match(line, /http:\/\/127\.0\.0\.1:\d+\/[\w-]{32}\/relay-cmdline-4c1f\.mp4/);
    }
  });
});
