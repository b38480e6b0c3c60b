import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  builtinPresetDir,
  canonicalJson,
  listPresets,
  loadPresetFile,
  presetHash,
  resolvePreset,
} from '../../../../src/core/encode/presets/presets.ts';
import { presetDefinition } from '../../../../src/core/encode/presets/preset-model.ts';
import { checkSchema } from '../../../../src/core/schema/issues.ts';
import { MpegflowError } from '../../../../src/core/errors.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-presets-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const presetIssues = (value: unknown) => {
  const checked = checkSchema(presetDefinition, value);
  return checked.ok ? [] : checked.problems;
};
const builtin = (name: string) =>
  JSON.parse(readFileSync(path.join(builtinPresetDir(), `${name}.json`), 'utf8')) as Record<string, unknown>;

describe('presets', () => {
  it('ships the six built-ins, all valid', () => {
    const { presets, invalid } = listPresets({ userDir: path.join(tmp, 'none') });
    assert.deepEqual(invalid, []);
    assert.deepEqual(
      presets.map((p) => [p.name, p.definition.kind, p.origin]),
      [
        ['archive-ffv1', 'archive', 'built-in'],
        ['hls-h264', 'hls', 'built-in'],
        ['mp4-h264', 'mp4', 'built-in'],
        ['package-hls', 'package', 'built-in'],
        ['proxy', 'mp4', 'built-in'],
        ['thumbnails', 'thumbnails', 'built-in'],
      ],
    );
    const hls = presets.find((p) => p.name === 'hls-h264')!;
    assert.equal(hls.definition.kind === 'hls' && hls.definition.renditions.map((r) => r.height).join(','), '1080,720,480,360');
    assert.match(hls.hash, /^sha256:[0-9a-f]{64}$/);
  });

  it('hashes the definition, not its formatting or key order', () => {
    const def = builtin('proxy');
    const reordered = Object.fromEntries(Object.entries(def).reverse());
    assert.equal(canonicalJson(def), canonicalJson(reordered));
    assert.equal(presetHash(def as never), presetHash(reordered as never));
    assert.notEqual(presetHash(def as never), presetHash({ ...def, description: 'changed' } as never));
  });

  it('reports every problem of an invalid preset with its path', () => {
    const bad = builtin('hls-h264') as { renditions: Record<string, unknown>[]; video: Record<string, unknown> } & Record<string, unknown>;
    bad.renditions[1]!.height = 721;
    bad.renditions[2]!.name = '../../x';
    bad.video.speed = 'warp';
    bad.segmentSecs = 4;
    delete bad.audio;
    const issues = presetIssues(bad);
    assert.ok(
      issues.some((i) => i.startsWith('renditions[1].height: must be an even integer')),
      issues.join('\n'),
    );
    assert.ok(
      issues.some((i) => i.startsWith('renditions[2].name: must be a folder name')),
      issues.join('\n'),
    );
    assert.ok(
      issues.some((i) => i.startsWith('video.speed: must be one of')),
      issues.join('\n'),
    );
    assert.ok(
      issues.some((i) => i.startsWith('segmentSecs: unknown setting')),
      issues.join('\n'),
    );
    assert.ok(issues.includes('audio: missing'), issues.join('\n'));
  });

  it('refuses ladders out of order, duplicate names, unknown kinds and non-objects', () => {
    const ladder = builtin('hls-h264') as { renditions: { height: number; name: string }[] };
    ladder.renditions.reverse();
    assert.match(presetIssues(ladder).join('\n'), /highest first/);
    const dup = builtin('hls-h264') as { renditions: { name: string }[] };
    dup.renditions[1]!.name = dup.renditions[0]!.name;
    assert.match(presetIssues(dup).join('\n'), /used twice/);
    assert.match(presetIssues({ ...builtin('proxy'), kind: 'gif' }).join('\n'), /kind: must be one of/);
    assert.match(presetIssues([]).join('\n'), /must be a JSON object/);
    assert.match(presetIssues({ ...builtin('proxy'), output: '../proxy.mp4' }).join('\n'), /output: must be a plain file name/);
  });

  it('loads a preset file and names the file in errors', () => {
    const good = path.join(tmp, 'mine.json');
    writeFileSync(good, JSON.stringify({ ...builtin('proxy'), name: 'my-proxy' }));
    const preset = loadPresetFile(good, 'file');
    assert.equal(preset.name, 'my-proxy');
    assert.equal(preset.origin, 'file');

    const broken = path.join(tmp, 'broken.json');
    writeFileSync(broken, '{"name": "x",');
    assert.throws(
      () => loadPresetFile(broken, 'file'),
      (e: MpegflowError) => e.code === 'PRESET_INVALID' && e.message.includes(broken) && /not valid JSON/.test(e.message),
    );
    assert.throws(
      () => loadPresetFile(path.join(tmp, 'missing.json'), 'file'),
      (e: MpegflowError) => e.code === 'PRESET_NOT_FOUND',
    );
  });

  it('adds user presets from a folder, lets them replace built-ins and lists bad files', () => {
    const dir = path.join(tmp, 'user');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'proxy.json'), JSON.stringify({ ...builtin('proxy'), description: 'site proxy' }));
    writeFileSync(path.join(dir, 'tiny.json'), JSON.stringify({ ...builtin('proxy'), name: 'tiny' }));
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ ...builtin('proxy'), name: 'bad', crf: 99 }));
    writeFileSync(path.join(dir, 'renamed.json'), JSON.stringify({ ...builtin('proxy'), name: 'other' }));
    const { presets, invalid } = listPresets({ userDir: dir });
    assert.equal(presets.find((p) => p.name === 'proxy')!.origin, 'user');
    assert.equal(presets.find((p) => p.name === 'tiny')!.origin, 'user');
    assert.deepEqual(invalid.map((i) => path.basename(i.file)).sort(), ['bad.json', 'renamed.json']);
    assert.throws(
      () => resolvePreset({ name: 'bad', userDir: dir }),
      (e: MpegflowError) => e.code === 'PRESET_INVALID' && /bad\.json/.test(e.message),
    );
  });

  it("refuses an operator's broken override of a built-in, not falling back to the built-in", () => {
    const dir = path.join(tmp, 'override');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'mp4-h264.json'), JSON.stringify({ ...builtin('mp4-h264'), crf: 99 }));
    writeFileSync(path.join(dir, 'proxy.json'), JSON.stringify({ ...builtin('proxy'), name: 'proxy-small' }));
    assert.throws(
      () => resolvePreset({ name: 'mp4-h264', userDir: dir }),
      (e: MpegflowError) => e.code === 'PRESET_INVALID' && e.message.includes(path.join(dir, 'mp4-h264.json')),
    );
    assert.throws(
      () => resolvePreset({ name: 'proxy', userDir: dir }),
      (e: MpegflowError) => e.code === 'PRESET_INVALID' && /differs from the file name/.test(e.message),
    );
    assert.equal(resolvePreset({ name: 'hls-h264', userDir: dir }).origin, 'built-in');
  });

  it('refuses an unknown preset name with the list of known ones', () => {
    for (const name of ['hls-h265', '../presets/hls-h264', '.hidden']) {
      assert.throws(
        () => resolvePreset({ name, userDir: path.join(tmp, 'none') }),
        (e: MpegflowError) => e.code === 'PRESET_NOT_FOUND' && /hls-h264/.test(e.suggestion ?? ''),
      );
    }

    assert.equal(resolvePreset({ userDir: path.join(tmp, 'none') }).name, 'hls-h264');
  });
});

describe('preset files with prototype keys', () => {
  for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    it(`refuses "${key}" at the top and inside a section, like any unknown setting`, () => {
      const base = JSON.stringify(builtin('mp4-h264'));
      const top = `{${JSON.stringify(key)}: {"polluted": true}, ${base.slice(1)}`;
      const nested = base.replace('"video":{', `"video":{${JSON.stringify(key)}: 1, `);
      assert.notEqual(nested, base);
      for (const [where, text] of [
        ['top', top],
        ['video', nested],
      ] as const) {
        const file = path.join(tmp, `proto-${key}-${where}.json`);
        writeFileSync(file, text);
        assert.equal(Object.hasOwn(JSON.parse(text) as object, key) || where === 'video', true);
        assert.throws(
          () => loadPresetFile(file, 'file'),
          (error: unknown) =>
            error instanceof MpegflowError &&
            error.code === 'PRESET_INVALID' &&
            (error.details?.problems as string[]).some((p) => p.startsWith(`${where === 'top' ? '' : 'video.'}${key}: unknown setting`)),
        );
      }
    });
  }
});
