import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactArgv, redactLike, redactText, redactUnknownFlags } from '../../../src/core/audit/redact.ts';

describe('redaction', () => {
  it('hides values of secret flags in both spellings', () => {
    assert.deepEqual(redactArgv(['add', 'e', '--secret-key', 's3cr3tvalue', '--access-key', 'ak']), [
      'add',
      'e',
      '--secret-key',
      '[REDACTED]',
      '--access-key',
      'ak',
    ]);
    assert.deepEqual(redactArgv(['--secret-key=s3cr3tvalue', '--password=x']), ['--secret-key=[REDACTED]', '--password=[REDACTED]']);
  });

  it('keeps the names of env variables and stdin switches, which are not secrets', () => {
    assert.deepEqual(redactArgv(['--secret-key-env', 'EDGE_SECRET', '--secret-key-stdin', 'name']), [
      '--secret-key-env',
      'EDGE_SECRET',
      '--secret-key-stdin',
      'name',
    ]);
  });

  it('removes presigned signatures and URL passwords from text', () => {
    const url = 'http://h:9000/b/k.mov?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F2026&X-Amz-Signature=abcdef0123';
    const out = redactText(`Opening ${url} failed`);
    assert.ok(!out.includes('abcdef0123') && !out.includes('AK%2F2026'), out);
    assert.equal(redactText('https://user:pa55@host/x'), 'https://[REDACTED]@host/x');
  });
});

describe('values of unknown flags', () => {
  const known = new Set(['--url', '--access-key', '-u', '--json']);
  it('redacts both spellings, keeps known flags and what follows --', () => {
    assert.deepEqual(
      redactUnknownFlags(['e1', '--url', 'http://h', '--secert=abc', '--foo', 'val', '-z', 'v2', '-uX', '--json', '--', '--x=y'], known),
      ['e1', '--url', 'http://h', '--secert=[REDACTED]', '--foo', '[REDACTED]', '-z', '[REDACTED]', '-uX', '--json', '--', '--x=y'],
    );
  });

  it('applies the same redaction to a message, whole tokens only', () => {
    const argv = ['--foo', 'val', '--secert=abc'];
    const redacted = redactUnknownFlags(argv, known);
    assert.equal(
      redactLike('Nonexistent flags: --secert=abc, --foo; unexpected val (value)', argv, redacted),
      'Nonexistent flags: --secert=[REDACTED], --foo; unexpected [REDACTED] ([REDACTED])'.replace('([REDACTED])', '(value)'),
    );
  });
});
