import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { audioOutputs, loudnessFilter, videoTreatment } from '../../../../src/core/encode/planning/treatments.ts';
import { audioTrack, probeResult } from '../../../support/probe-result.ts';

const options = { deinterlace: 'frame', pixelFormat: 'yuv420p' } as const;

describe('source treatments of delivery presets', () => {
  it('deinterlaces with bwdif in the field order found, at frame or field rate', () => {
    const interlaced = probeResult({ video: { scan: { order: 'bff', from: 'idet', container: 'unknown', idet: null } } });
    const frame = videoTreatment(interlaced, options);
    assert.deepEqual(frame.filters, ['bwdif=mode=send_frame:parity=bff:deint=all']);
    assert.equal(frame.rateFactor, 1);
    assert.match(frame.decisions[0]!.to, /bwdif/);
    const field = videoTreatment(interlaced, { ...options, deinterlace: 'field' });
    assert.equal(field.rateFactor, 2);
    assert.match(field.filters[0]!, /send_field/);
    assert.deepEqual(videoTreatment(probeResult(), options).filters, []);
  });

  it('tone-maps HDR10 and HLG to BT.709 from their own transfer, and says so', () => {
    const colour = (dynamicRange: 'hdr10' | 'hlg', transfer: string) =>
      probeResult({
        video: {
          bitDepth: 10,
          colour: {
            primaries: 'bt2020',
            transfer,
            matrix: 'bt2020nc',
            range: 'tv',
            dynamicRange,
            masteringDisplay: null,
            contentLightLevel: null,
          },
        },
      });
    const pq = videoTreatment(colour('hdr10', 'smpte2084'), options);
    assert.match(pq.filters[0]!, /^zscale=tin=smpte2084:min=bt2020nc:pin=bt2020:rin=tv:t=linear/);
    assert.ok(pq.filters.includes('tonemap=tonemap=hable:desat=0'));
    assert.equal(pq.filters.at(-1), 'zscale=t=bt709:m=bt709:r=tv');
    assert.deepEqual(
      pq.decisions.map((d) => d.subject),
      ['colour', 'pixel-format'],
    );
    assert.match(videoTreatment(colour('hlg', 'arib-std-b67'), options).filters[0]!, /tin=arib-std-b67/);
  });

  it('makes one stereo pair of two discrete mono tracks, and says which tracks are left out', () => {
    const mono = (index: number) => audioTrack(index, { channels: 1, layout: null, codec: 'pcm_s24le' });
    const { outputs, decisions } = audioOutputs(probeResult({ audioTracks: [mono(1), mono(2), mono(3), mono(4)] }), 2, true);
    assert.equal(outputs.length, 1);
    assert.deepEqual(outputs[0]!.sources, [1, 2]);
    assert.match(outputs[0]!.chain, /join=inputs=2:channel_layout=stereo:map=0\.0-FL\|1\.0-FR$/);
    assert.match(decisions[0]!.to, /tracks 3, 4 not carried/);
  });

  it('carries one track per language, down-mixes 5.1, and refuses a layout it cannot name', () => {
    const tracks = [
      audioTrack(1, { language: 'eng', channels: 6, layout: '5.1(side)' }),
      audioTrack(2, { language: 'eng', title: 'commentary' }),
      audioTrack(3, { language: 'fra' }),
    ];
    const { outputs, decisions } = audioOutputs(probeResult({ audioTracks: tracks }), 2, true);
    assert.deepEqual(
      outputs.map((o) => [o.sources[0], o.language]),
      [
        [1, 'eng'],
        [3, 'fra'],
      ],
    );
    assert.equal(outputs[0]!.chain, '[0:1]aformat=channel_layouts=stereo');
    assert.ok(decisions.some((d) => /5\.1\(side\)/.test(d.from) && /BS\.775/.test(d.to)));
    assert.ok(decisions.some((d) => /2 \(eng\) not/.test(d.to)));
    assert.throws(
      () => audioOutputs(probeResult({ audioTracks: [audioTrack(1, { channels: 8, layout: null })] }), 2, true),
      (e: Error & { code?: string }) => e.code === 'SOURCE_AUDIO_LAYOUT_UNKNOWN' && /8 channels and no channel layout/.test(e.message),
    );
  });

  it('normalises loudness linearly when the ceiling allows, with the peaks limited when not, and leaves silence alone', () => {
    const target = { integratedLufs: -23, truePeakDbtp: -1 };
    const loud = loudnessFilter({ integratedLufs: -9.6, thresholdLufs: -19.6, rangeLu: 6, truePeakDbtp: -0.5 }, target, 48000, 'audio 1');
    assert.equal(loud.filter, 'volume=-13.40dB');
    assert.match(loud.decision.to, /linear gain -13\.4 dB/);
    const quiet = loudnessFilter({ integratedLufs: -40, thresholdLufs: -50, rangeLu: 4, truePeakDbtp: -12 }, target, 48000, 'audio 1');
    assert.equal(quiet.limited, true);
    assert.equal(quiet.filter, 'aresample=192000,volume=17.00dB,alimiter=limit=0.7943:attack=1:release=50:level=false,aresample=48000');
    assert.match(quiet.decision.to, /gain \+17\.0 dB, peaks limited to -2 dBTP \(a linear gain alone would pass the -1 dBTP ceiling\)/);
    // measured through the limiter at -24.2: 1.2 dB given back; at -31: 6 dB at most, and said
    const given = loudnessFilter({ integratedLufs: -40, thresholdLufs: -50, rangeLu: 4, truePeakDbtp: -12 }, target, 48000, 'audio 1', {
      integratedLufs: -24.2,
      thresholdLufs: -34,
      rangeLu: 3,
      truePeakDbtp: -2,
    });
    assert.match(given.filter!, /volume=18\.20dB/);
    assert.equal(given.warning, undefined);
    const capped = loudnessFilter({ integratedLufs: -40, thresholdLufs: -50, rangeLu: 4, truePeakDbtp: -12 }, target, 48000, 'audio 1', {
      integratedLufs: -31,
      thresholdLufs: -41,
      rangeLu: 3,
      truePeakDbtp: -2,
    });
    assert.match(capped.filter!, /volume=23\.00dB/);
    assert.match(capped.warning!, /comes out near -25\.0 LUFS, not -23/);
    const silent = loudnessFilter(
      { integratedLufs: -70, thresholdLufs: -70, rangeLu: 0, truePeakDbtp: -Infinity },
      target,
      48000,
      'audio 1',
    );
    assert.equal(silent.filter, null);
    assert.match(silent.warning!, /digital silence/);
  });
});
