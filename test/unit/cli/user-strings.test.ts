import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../support/cli.ts';

/**
 * What users read (summaries, descriptions, messages, suggestions) describes
 * the product as it is: no development notes ("issue #12; not used yet"),
 * which `endpoint check` once printed. Comments may hold them; code may not.
 */
const NOTES = /issue #\d+|not used yet|\bTODO\b|\bFIXME\b|\bXXX\b/i;

describe('user-facing text', () => {
  it('holds no development notes', () => {
    const src = path.join(repoRoot, 'src');
    const found: string[] = [];
    for (const file of readdirSync(src, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'))) {
      readFileSync(path.join(src, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const code = line.trim();
          if (code.startsWith('//') || code.startsWith('*') || code.startsWith('/*')) return;
          if (NOTES.test(code.replace(/\s\/\/.*$/, ''))) found.push(`src/${file}:${i + 1}: ${code}`);
        });
    }
    assert.deepEqual(found, []);
  });
});
