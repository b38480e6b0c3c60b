import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAPABILITIES } from '../../../src/core/endpoints/capability-catalogue.ts';
import { MEZZANINE_PROFILES } from '../../../src/core/endpoints/throughput.ts';

describe('capability catalogue and mezzanine profiles', () => {
  it('every capability names the MpegFlow features that need it; the ones encoding needs are the S3 basics', () => {
    assert.equal(new Set(CAPABILITIES.map((c) => c.id)).size, CAPABILITIES.length);
    for (const c of CAPABILITIES) assert.ok(c.neededBy.length > 0, c.id);
    assert.deepEqual(
      CAPABILITIES.filter((c) => c.requiredForEncoding).map((c) => c.id),
      ['object-io', 'listing', 'presigned-range', 'presigned-if-match', 'multipart', 'multipart-abort'],
    );
  });

  it('mezzanine bitrates rise with the format, each with its source', () => {
    const rates = MEZZANINE_PROFILES.map((p) => p.mbitPerSecond);
    assert.deepEqual(
      rates,
      [...rates].sort((a, b) => a - b),
    );
    for (const p of MEZZANINE_PROFILES) assert.ok(p.source.length > 10, p.name);
  });
});
