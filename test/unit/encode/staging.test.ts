import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stagingFor } from '../../../src/core/encode/staging.ts';

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
});
