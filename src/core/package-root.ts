import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

let cached: { root: string; version: string } | undefined;

/**
 * The MpegFlow package folder (where package.json and presets/ are), found by
 * walking up from this module: the same answer from src/ (tsx), dist/ and the
 * bundle's chunks/ folder.
 */
export function packageInfo(): { root: string; version: string } {
  if (cached) return cached;
  let dir = import.meta.dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'mpegflow') return (cached = { root: dir, version: pkg.version ?? 'unknown' });
      } catch {
        // not ours: keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return (cached = { root: path.resolve(import.meta.dirname, '..', '..', '..'), version: 'unknown' });
    dir = parent;
  }
}
