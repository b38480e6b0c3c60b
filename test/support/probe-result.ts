import type { ProbeResult } from '../../src/core/encode/source/probe.ts';
import type { AudioTrack } from '../../src/core/encode/source/streams.ts';

/** A source description as probeSource gives it, for planning tests: 1080p25 progressive SDR with one stereo track unless told. */
export function audioTrack(index: number, overrides: Partial<AudioTrack> = {}): AudioTrack {
  return {
    index,
    codec: 'aac',
    channels: 2,
    layout: 'stereo',
    sampleRate: 48000,
    sampleFormat: 'fltp',
    bitDepth: null,
    language: null,
    title: null,
    default: index === 1,
    ...overrides,
  };
}

export function probeResult(overrides: Partial<Omit<ProbeResult, 'video'>> & { video?: Partial<ProbeResult['video']> } = {}): ProbeResult {
  const audioTracks = overrides.audioTracks ?? [audioTrack(1)];
  const { video, ...rest } = overrides;
  return {
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    durationSeconds: 10,
    containerDurationSeconds: rest.durationSeconds ?? 10,
    startSeconds: 0,
    sizeBytes: 1000,
    audio: audioTracks[0] ?? null,
    audioTracks,
    subtitles: [],
    otherStreams: [],
    timecode: null,
    warnings: [],
    ...rest,
    video: {
      index: 0,
      codec: 'h264',
      profile: 'High',
      width: 1920,
      height: 1080,
      pixelFormat: 'yuv420p',
      bitDepth: 8,
      chroma: '4:2:0',
      sampleAspectRatio: { num: 1, den: 1 },
      frameRate: { num: 25, den: 1 },
      nominalFrameRate: { num: 25, den: 1 },
      variableFrameRate: false,
      rotation: 0,
      scan: { order: 'progressive', from: 'container', container: 'progressive', idet: null },
      colour: {
        primaries: 'bt709',
        transfer: 'bt709',
        matrix: 'bt709',
        range: 'tv',
        dynamicRange: 'sdr',
        masteringDisplay: null,
        contentLightLevel: null,
      },
      closedCaptions: false,
      ...video,
    },
  };
}
