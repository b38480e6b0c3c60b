import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFfprobeOutput } from '../../../../src/core/encode/source/ffprobe-output.ts';
import { parseEbur128Summaries } from '../../../../src/core/encode/source/loudness.ts';
import { parseIdet, scanVerdict } from '../../../../src/core/encode/source/scan.ts';
import { chroma, colourOf, containerFieldOrder, frameFieldOrder, streamDuration } from '../../../../src/core/encode/source/streams.ts';

describe('source description', () => {
  it('reads field order in display order: tt and bt show the top field first', () => {
    assert.deepEqual(['tt', 'bt', 'bb', 'tb', 'progressive', undefined, 'unknown'].map(containerFieldOrder), [
      'tff',
      'tff',
      'bff',
      'bff',
      'progressive',
      'unknown',
      'unknown',
    ]);
    const frames = [0, 1, 2].map(() => ({ stream_index: 0, interlaced_frame: 1, top_field_first: 0 }));
    assert.equal(frameFieldOrder(frames, 0), 'bff');
    assert.equal(frameFieldOrder([...frames, { stream_index: 0, interlaced_frame: 0 }], 0), 'unknown');
  });

  it("lets idet's clear verdict overrule the container, and leaves a scattered one to it", () => {
    const idet = parseIdet('[Parsed_idet_0 @ 0x1] Multi frame detection: TFF:    58 BFF:     0 Progressive:     2 Undetermined:     0');
    assert.deepEqual(idet, { tff: 58, bff: 0, progressive: 2, undetermined: 0 });
    assert.deepEqual(scanVerdict('progressive', idet), { order: 'tff', from: 'idet', container: 'progressive', idet });
    // a small moving test pattern reads as 82 % TFF: not enough to overrule the container, enough where it says nothing
    const busy = { tff: 37, bff: 0, progressive: 8, undetermined: 0 };
    assert.deepEqual([scanVerdict('progressive', busy).order, scanVerdict('progressive', busy).from], ['progressive', 'container']);
    assert.deepEqual([scanVerdict('unknown', busy).order, scanVerdict('unknown', busy).from], ['tff', 'idet']);
    // busy progressive pictures scatter between the three readings
    const scattered = { tff: 23, bff: 17, progressive: 21, undetermined: 0 };
    assert.equal(scanVerdict('progressive', scattered).from, 'container');
    assert.equal(scanVerdict('unknown', scattered).from, 'assumed');
    // a static sample decides nothing
    assert.equal(scanVerdict('bff', { tff: 0, bff: 1, progressive: 1, undetermined: 58 }).order, 'bff');
  });

  it('reads HDR10 mastering and light-level metadata from the first frame', () => {
    const colour = colourOf(
      { index: 0, color_transfer: 'smpte2084', color_primaries: 'bt2020', color_space: 'bt2020nc', color_range: 'tv' },
      [
        {
          stream_index: 0,
          side_data_list: [
            {
              side_data_type: 'Mastering display metadata',
              red_x: '34000/50000',
              red_y: '16000/50000',
              green_x: '13250/50000',
              green_y: '34500/50000',
              blue_x: '7500/50000',
              blue_y: '3000/50000',
              white_point_x: '15635/50000',
              white_point_y: '16450/50000',
              min_luminance: '1/10000',
              max_luminance: '10000000/10000',
            },
            { side_data_type: 'Content light level metadata', max_content: 1000, max_average: 400 },
          ],
        },
      ],
    );
    assert.equal(colour.dynamicRange, 'hdr10');
    assert.deepEqual(colour.masteringDisplay, {
      red: '0.6800,0.3200',
      green: '0.2650,0.6900',
      blue: '0.1500,0.0600',
      whitePoint: '0.3127,0.3290',
      minLuminance: 0.0001,
      maxLuminance: 1000,
    });
    assert.deepEqual(colour.contentLightLevel, { maxCll: 1000, maxFall: 400 });
  });

  it("tells chroma from the pixel format and a Matroska stream's duration from its tag", () => {
    assert.deepEqual(['yuv420p', 'yuv422p10le', 'yuv444p12le', 'gbrp', 'gray10le', 'nv12'].map(chroma), [
      '4:2:0',
      '4:2:2',
      '4:4:4',
      '4:4:4',
      '4:0:0',
      '4:2:0',
    ]);
    assert.equal(streamDuration({ index: 3, tags: { DURATION: '00:00:04.421000000' } }), 4.421);
  });

  it("names the field when ffprobe's answer is not what it should be", () => {
    assert.throws(
      () => parseFfprobeOutput({ streams: [{ index: 'zero' }] }, 'ffprobe'),
      (e: Error & { code?: string }) => e.code === 'FFPROBE_UNEXPECTED' && /streams\[0\]\.index/.test(e.message),
    );
  });

  it("reads ebur128's summaries in the order of its instances", () => {
    const block = (n: number, i: string, peak: string) =>
      `[Parsed_ebur128_${n} @ 0x5] Summary:\n\n  Integrated loudness:\n    I:         ${i} LUFS\n    Threshold: -31.2 LUFS\n\n  Loudness range:\n    LRA:         5.1 LU\n    Threshold: -41.2 LUFS\n\n  True peak:\n    Peak:      ${peak} dBFS\n`;
    const summaries = parseEbur128Summaries(`${block(5, '-9.6', '-0.4')}${block(2, '-70.0', '-inf')}`);
    assert.deepEqual(summaries, [
      { integratedLufs: -70, thresholdLufs: -31.2, rangeLu: 5.1, truePeakDbtp: -Infinity },
      { integratedLufs: -9.6, thresholdLufs: -31.2, rangeLu: 5.1, truePeakDbtp: -0.4 },
    ]);
  });
});
