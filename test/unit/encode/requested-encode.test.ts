import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditContext } from '../../../src/core/audit/context.ts';
import type { EncodeResult } from '../../../src/core/encode/outputs/encode-result.ts';
import { encodeAuditDetail, runRequestedEncode, type EncodeRequest } from '../../../src/core/encode/requested-encode.ts';
import { freshStores } from '../../support/store.ts';

const nextStore = freshStores();

const request = (extra: Partial<EncodeRequest>): EncodeRequest => ({
  source: '/media/clip.mov',
  preset: 'hls-h264',
  force: false,
  quality: () => ({}),
  ...extra,
});

function deps(db: Awaited<ReturnType<typeof nextStore>>) {
  const calls: string[] = [];
  return {
    calls,
    deps: {
      db,
      audit: new AuditContext('encode', []),
      onNote: (m: string) => calls.push(`note ${m}`),
      progress: async () => {
        calls.push('progress');
        return { listener: () => undefined, finish: async () => undefined };
      },
      interruptible: async <R>(work: (signal: AbortSignal) => Promise<R>) => {
        calls.push('encode');
        return work(new AbortController().signal);
      },
    },
  };
}

describe('an encode asked for on the command line', () => {
  it('refuses --retain into a local folder before any progress is shown or anything encoded', async () => {
    const { calls, deps: d } = deps(await nextStore());
    await assert.rejects(runRequestedEncode(request({ to: '/media/out/', retain: '7y' }), d), {
      code: 'USAGE',
      message: '--retain and --legal-hold need a destination in a bucket with Object Lock',
    });
    assert.deepEqual(calls, []);
  });

  it('refuses a retention mode without --retain before looking at the destination', async () => {
    const { calls, deps: d } = deps(await nextStore());
    await assert.rejects(runRequestedEncode(request({ to: '/media/out/', retentionMode: 'compliance' }), d), {
      code: 'RETENTION_INVALID',
    });
    assert.deepEqual(calls, []);
  });

  it('a usage error in the quality gate ends the progress display it started', async () => {
    const { calls, deps: d } = deps(await nextStore());
    const finished: unknown[] = [];
    d.progress = async () => {
      calls.push('progress');
      return { listener: () => undefined, finish: async (error?: unknown) => void finished.push(error) };
    };
    const refused = new Error('--no-quality-gate skips the gate');
    const gate = () => {
      throw refused;
    };
    await assert.rejects(runRequestedEncode(request({ to: '/media/out/', quality: gate }), d), refused);
    assert.deepEqual(calls, ['progress', 'encode']);
    assert.deepEqual(finished, [refused]);
  });

  it('the audit entry names the source, the preset, what was stored and the retention set', () => {
    const result = {
      status: 'skipped',
      preset: { name: 'hls-h264', hash: 'sha256:abc' },
      outputs: [{ name: 'master.m3u8' }, { name: 'seg-0.ts' }],
      bytesStored: 0,
    } as unknown as EncodeResult;
    const retention = { mode: 'compliance', retainUntil: '2033-01-01T00:00:00.000Z', legalHold: false, objects: 3 };
    assert.deepEqual(encodeAuditDetail({ kind: 'remote', alias: 'central', bucket: 'masters', key: 'reel.mov' }, result, retention), {
      source: 'central/masters/reel.mov',
      preset: 'hls-h264',
      presetHash: 'sha256:abc',
      status: 'skipped',
      outputs: 2,
      bytes: 0,
      retention,
    });
  });
});
