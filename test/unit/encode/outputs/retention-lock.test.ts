import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from 'minio';
import type { EncodeResult } from '../../../../src/core/encode/outputs/encode-result.ts';
import type { DestinationLocation } from '../../../../src/core/encode/outputs/locations.ts';
import { RetentionLock } from '../../../../src/core/encode/outputs/retention-lock.ts';

/** A bucket's Object Lock as far as the lock uses it: what was set on each key is kept. */
function fakeBucket(objectLock: boolean) {
  const retained = new Map<string, { mode: string; retainUntilDate: string }>();
  const held = new Set<string>();
  const client = {
    getObjectLockConfig: async () => (objectLock ? { objectLockEnabled: 'Enabled' } : undefined),
    getObjectRetention: async (_bucket: string, key: string) => retained.get(key) ?? null,
    getObjectLegalHold: async (_bucket: string, key: string) => ({ Status: held.has(key) ? 'ON' : 'OFF' }),
    putObjectRetention: async (_bucket: string, key: string, r: { mode: string; retainUntilDate: string }) => {
      retained.set(key, r);
    },
    setObjectLegalHold: async (_bucket: string, key: string) => {
      held.add(key);
    },
  } as unknown as Client;
  return { client, retained, held, s3For: () => client };
}

const remote: DestinationLocation = { kind: 'remote', alias: 'archive', bucket: 'vault', prefix: 'reel' };
const sevenYears = { retain: '7y', mode: 'compliance' as const, legalHold: false };

describe('the retention lock of encode --retain', () => {
  it('refuses a local destination before anything starts, as a usage error', async () => {
    await assert.rejects(RetentionLock.prepare(sevenYears, { kind: 'local', path: '/tmp/out' }, fakeBucket(true).s3For), {
      message: '--retain and --legal-hold need a destination in a bucket with Object Lock',
      exitCode: 2,
    });
  });

  it('refuses a bucket without Object Lock', async () => {
    await assert.rejects(RetentionLock.prepare(sevenYears, remote, fakeBucket(false).s3For), { code: 'OBJECT_LOCK_MISSING' });
  });

  it('locks what it is given from the first lock on, the manifest as it is written with the same period, and tallies it', async () => {
    const bucket = fakeBucket(true);
    const lock = await RetentionLock.prepare(sevenYears, remote, bucket.s3For);
    const tally = () => lock.set;
    assert.equal(tally(), null, 'nothing set before the first lock');
    const before = Date.now();
    await lock.lock.objects(['reel/a.mp4', 'reel/b.mp4']);
    const manifest = lock.lock.onWrite();
    const set = tally();
    assert.equal(set?.objects, 3);
    assert.deepEqual(manifest, { mode: 'compliance', retainUntil: set.retainUntil, legalHold: false });
    assert.equal(set.mode, 'compliance');
    assert.equal(set.legalHold, false);
    const until = Date.parse(set.retainUntil!);
    assert.ok(until >= before + 6.9 * 365 * 86_400_000, `${set.retainUntil} is about 7 years on`);
    assert.deepEqual([...bucket.retained.keys()], ['reel/a.mp4', 'reel/b.mp4']);
    const dates = new Set([...bucket.retained.values()].map((r) => r.retainUntilDate));
    assert.deepEqual([...dates], [set.retainUntil], 'one period for the whole encode');
    assert.equal(bucket.held.size, 0);
  });

  it('a legal hold alone sets no mode and no date', async () => {
    const bucket = fakeBucket(true);
    const lock = await RetentionLock.prepare({ retain: null, mode: 'governance', legalHold: true }, remote, bucket.s3For);
    await lock.lock.objects(['reel/a.mp4']);
    assert.deepEqual(lock.set, { mode: null, retainUntil: null, legalHold: true, objects: 1 });
    assert.deepEqual([...bucket.held], ['reel/a.mp4']);
    assert.equal(bucket.retained.size, 0);
  });

  it('an encode skipped as published earlier has its outputs and manifest locked; a new one nothing more', async () => {
    const bucket = fakeBucket(true);
    const lock = await RetentionLock.prepare(sevenYears, remote, bucket.s3For);
    const outputs = [{ name: 'master.m3u8' }, { name: '720p/seg-0.ts' }];
    await lock.lockSkipped({ status: 'done', outputs } as unknown as EncodeResult);
    assert.equal(bucket.retained.size, 0);
    await lock.lockSkipped({ status: 'skipped', outputs } as unknown as EncodeResult);
    assert.deepEqual([...bucket.retained.keys()], ['reel/master.m3u8', 'reel/720p/seg-0.ts', 'reel/manifest.json']);
    assert.equal(lock.set?.objects, 3);
  });
});
