import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discard, stagingFor } from '../../../../src/core/encode/outputs/staging.ts';

describe('staging of queued encodes', () => {
  it('stages each lease generation apart: in the bucket for remote destinations, inside local ones', () => {
    assert.deepEqual(stagingFor({ kind: 'remote', alias: 'a', bucket: 'out', prefix: 'shows/ep1' }, 7, 2), {
      kind: 'remote',
      alias: 'a',
      bucket: 'out',
      prefix: '.mpegflow-staging/job-7-g2',
    });
    assert.deepEqual(stagingFor({ kind: 'local', path: '/srv/out/ep1' }, 7, 3), {
      kind: 'local',
      path: '/srv/out/ep1/.mpegflow-staging/job-7-g3',
    });
  });

  it("a discarded job's local staging leaves no empty staging folder in the destination, and other jobs' staging alone", async () => {
    const dest = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-discard-'));
    try {
      const [first, second] = [stagingFor({ kind: 'local', path: dest }, 1, 1), stagingFor({ kind: 'local', path: dest }, 2, 1)];
      for (const staging of [first, second]) {
        if (staging.kind !== 'local') throw new Error('local staging expected');
        mkdirSync(path.join(staging.path, '720p'), { recursive: true });
        writeFileSync(path.join(staging.path, '720p', 'seg_00001.ts'), 'x');
      }
      await discard(first);
      assert.deepEqual(readdirSync(path.join(dest, '.mpegflow-staging')), ['job-2-g1']);
      await discard(second);
      assert.deepEqual(readdirSync(dest), []);
      assert.ok(existsSync(dest), 'the destination itself stays');
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });
});
