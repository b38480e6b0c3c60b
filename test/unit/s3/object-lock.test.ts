import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { objectLockHeaders } from '../../../src/core/s3/object-lock.ts';

describe('the Object Lock a PUT carries', () => {
  it('a period, a legal hold, both, or nothing', () => {
    const until = '2033-12-07T20:00:00.000Z';
    assert.deepEqual(objectLockHeaders({ mode: 'compliance', retainUntil: until, legalHold: false }), {
      'x-amz-object-lock-mode': 'COMPLIANCE',
      'x-amz-object-lock-retain-until-date': until,
    });
    assert.deepEqual(objectLockHeaders({ mode: 'governance', retainUntil: null, legalHold: true }), {
      'x-amz-object-lock-legal-hold': 'ON',
    });
    assert.deepEqual(objectLockHeaders({ mode: 'governance', retainUntil: until, legalHold: true }), {
      'x-amz-object-lock-mode': 'GOVERNANCE',
      'x-amz-object-lock-retain-until-date': until,
      'x-amz-object-lock-legal-hold': 'ON',
    });
    assert.deepEqual(objectLockHeaders({ mode: null, retainUntil: null, legalHold: false }), {});
  });
});
