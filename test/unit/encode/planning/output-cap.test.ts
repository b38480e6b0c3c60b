import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capOutputLines } from '../../../../src/core/encode/planning/output-cap.ts';
import type { HlsPreset, Mp4Preset, PresetDefinition } from '../../../../src/core/encode/presets/preset-model.ts';
import { resolvePreset } from '../../../../src/core/encode/presets/presets.ts';
import type { ProbeResult } from '../../../../src/core/encode/source/probe.ts';

const probe = (width: number, height: number) => ({ video: { width, height } }) as unknown as ProbeResult;
const builtin = (name: string): PresetDefinition => resolvePreset({ name }).definition;

describe('licensed highest output resolution', () => {
  it('drops ladder rungs above the cap, keeping at least one no taller than it', () => {
    const hls = capOutputLines(builtin('hls-h264'), probe(3840, 2160), 480) as HlsPreset;
    assert.deepEqual(
      hls.renditions.map((r) => r.height),
      [480, 360],
    );
    const tiny = capOutputLines(builtin('hls-h264'), probe(3840, 2160), 240) as HlsPreset;
    assert.deepEqual(
      tiny.renditions.map((r) => r.height),
      [240],
    );
  });

  it('scales single outputs down to the cap and leaves them alone under it', () => {
    assert.equal((capOutputLines(builtin('mp4-h264'), probe(3840, 2160), 720) as Mp4Preset).video.maxHeight, 720);
    assert.equal((capOutputLines(builtin('mp4-h264'), probe(3840, 2160), 2160) as Mp4Preset).video.maxHeight, 1080);
    assert.deepEqual(capOutputLines(builtin('proxy'), probe(1920, 1080), undefined), builtin('proxy'));
  });

  it('refuses to archive a source above the cap instead of downscaling a lossless master', () => {
    assert.throws(() => capOutputLines(builtin('archive-ffv1'), probe(3840, 2160), 1080), /maxResolution of at least 2160 lines/);
    assert.doesNotThrow(() => capOutputLines(builtin('archive-ffv1'), probe(1920, 1080), 1080));
  });
});
