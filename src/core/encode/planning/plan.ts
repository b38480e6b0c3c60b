import type { ArchivePreset, HlsPreset, Mp4Preset, PresetDefinition, ThumbnailsPreset } from '../presets/preset-model.ts';
import type { EncodePlan } from './encode-plan.ts';
import { hlsPackaging, hlsPlanPart } from './hls-packaging.ts';
import { planPackage } from './package.ts';
import { rationalValue, scanWords, type ProbeResult } from '../source/probe.ts';
import { archiveArgs, losslessHashArgs } from './archive.ts';
import { deliveryTreatment, h264Args, languageArgs, type PlanMeasurements } from './delivery.ts';
import { displaySize, even, fitSize, formatRate, scaleChain, selectRungs } from './frame.ts';
import { videoTreatment } from './treatments.ts';
import { qualityPlan } from './quality.ts';
import { chooseLadder, ladderDecisions, perTitleRungs } from './per-title.ts';

/**
 * Turns a preset and the probe of one source into the ffmpeg runs that make
 * its outputs. Pure: no processes, no files; the pipeline runs the passes.
 */

/**
 * The ladder in one ffmpeg run: every rung from one decode, audio encoded
 * once per language into one alternate-audio group that every rung refers
 * to (EXT-X-MEDIA), and each text subtitle track as a WebVTT rendition.
 */
function planHls(preset: HlsPreset, probe: ProbeResult, measurements: PlanMeasurements): EncodePlan {
  const treatment = deliveryTreatment(preset, probe, measurements);
  const { rate, audio } = treatment;
  const fixed = selectRungs(preset, probe);
  const perTitle = measurements.ladder ? { analysis: measurements.ladder, rungs: chooseLadder(fixed, measurements.ladder) } : undefined;
  const rungs = perTitle ? perTitleRungs(fixed, perTitle.rungs) : fixed;
  const sizes = rungs.map((r) => fitSize(probe, r.height));
  const n = rungs.length;
  const splitLabels = rungs.map((_, i) => `[s${i}]`).join('');
  const graph = [
    `${treatment.videoHead},split=${n}${splitLabels}`,
    ...sizes.map((size, i) => `[s${i}]${scaleChain(size)},format=${preset.video.pixelFormat}[v${i}]`),
    ...treatment.audioGraph,
  ].join(';');
  const gop = Math.max(1, Math.round(rationalValue(rate) * preset.segmentSeconds));
  const args: string[] = ['-filter_complex', graph];
  rungs.forEach((_, i) => args.push('-map', `[v${i}]`));
  audio.forEach((_, i) => args.push('-map', `[a${i}]`));
  args.push(...h264Args(preset.video));
  rungs.forEach((r, i) => args.push(`-b:v:${i}`, r.videoBitrate, `-maxrate:v:${i}`, r.maxRate, `-bufsize:v:${i}`, r.bufSize));
  args.push(
    '-g',
    String(gop),
    '-keyint_min',
    String(gop),
    '-sc_threshold',
    '0',
    '-force_key_frames',
    `expr:gte(t,n_forced*${preset.segmentSeconds})`,
  );
  // the group is shared by every rung: it gets the top rung's audio bitrate
  const audioBitrate = rungs[0]!.audioBitrate;
  if (audio.length > 0) {
    args.push('-c:a', 'aac', '-ac', String(preset.audio.channels), '-ar', String(preset.audio.sampleRate), '-b:a', audioBitrate);
    args.push(...languageArgs(audio));
  }
  const packaging = hlsPackaging({ variants: rungs.map((r) => r.name), audio, segmentSeconds: preset.segmentSeconds, probe });
  args.push(...packaging.args);
  return {
    kind: 'hls',
    renditions: rungs.map((r, i) => ({
      name: r.name,
      width: sizes[i]!.width,
      height: sizes[i]!.height,
      frameRate: formatRate(rate),
      videoBitrate: r.videoBitrate,
      audioBitrate: audio.length > 0 ? audioBitrate : null,
    })),
    ...hlsPlanPart(
      packaging,
      args,
      rungs.map((r) => r.name),
    ),
    expectedDurationSeconds: probe.durationSeconds,
    quality: qualityPlan(
      preset.quality,
      treatment.videoHead,
      formatRate(rate),
      rungs.map((r, i) => ({
        name: r.name,
        media: `${r.name}/index.m3u8`,
        scale: `${scaleChain(sizes[i]!)},format=${preset.video.pixelFormat}`,
      })),
    ),
    perTitle,
    decisions: [...treatment.decisions, ...(perTitle ? ladderDecisions(perTitle.rungs) : [])],
    warnings: treatment.warnings,
  };
}

function planMp4(preset: Mp4Preset, probe: ProbeResult, measurements: PlanMeasurements): EncodePlan {
  const treatment = deliveryTreatment(preset, probe, measurements);
  const { rate, audio } = treatment;
  const size = fitSize(probe, preset.video.maxHeight);
  const gop = Math.max(1, Math.round(rationalValue(rate) * preset.video.keyframeSeconds));
  const graph = [`${treatment.videoHead},${scaleChain(size)},format=${preset.video.pixelFormat}[v]`, ...treatment.audioGraph].join(';');
  const args = ['-filter_complex', graph, '-map', '[v]', ...audio.flatMap((_, i) => ['-map', `[a${i}]`])];
  const subtitles = probe.subtitles.filter((s) => s.kind === 'text');
  for (const s of subtitles) args.push('-map', `0:${s.index}`);
  args.push(...h264Args(preset.video));
  args.push('-crf', String(preset.video.crf), '-g', String(gop));
  if (preset.video.maxRate) args.push('-maxrate', preset.video.maxRate, '-bufsize', preset.video.bufSize ?? preset.video.maxRate);
  if (audio.length > 0) {
    args.push('-c:a', 'aac', '-b:a', preset.audio.bitrate, '-ac', String(preset.audio.channels), '-ar', String(preset.audio.sampleRate));
    args.push(...languageArgs(audio));
    // the first track plays by default; the others are alternatives a player offers
    audio.forEach((_, i) => args.push(`-disposition:a:${i}`, i === 0 ? 'default' : '0'));
  }
  if (subtitles.length > 0) {
    args.push('-c:s', 'mov_text');
    subtitles.forEach((s, i) => {
      if (s.language) args.push(`-metadata:s:s:${i}`, `language=${s.language}`);
    });
  }
  args.push('-movflags', '+faststart', '-f', 'mp4', preset.output);
  const name = preset.name;
  return {
    kind: 'mp4',
    renditions: [
      {
        name,
        width: size.width,
        height: size.height,
        frameRate: formatRate(rate),
        videoBitrate: preset.video.maxRate ?? null,
        audioBitrate: audio.length > 0 ? preset.audio.bitrate : null,
      },
    ],
    passes: [{ stage: 'encode', input: { kind: 'source' }, outputArgs: args, renditions: [name], outputs: [preset.output] }],
    streamingSegments: false,
    durationChecks: [{ output: preset.output, kind: 'media' }],
    expectedDurationSeconds: probe.durationSeconds,
    quality: qualityPlan(preset.quality, treatment.videoHead, formatRate(rate), [
      { name, media: preset.output, scale: `${scaleChain(size)},format=${preset.video.pixelFormat}` },
    ]),
    decisions: treatment.decisions,
    warnings: treatment.warnings,
  };
}

function planArchive(preset: ArchivePreset, probe: ProbeResult): EncodePlan {
  const { args, decisions, warnings } = archiveArgs(preset, probe);
  const hashArgs = losslessHashArgs(probe);
  // the master keeps the picture as coded: turning it upright would change every pixel's place
  const inputArgs = ['-noautorotate'];
  const fixityArgs = [...hashArgs, '-f', 'framemd5', preset.fixity.output];
  return {
    kind: 'archive',
    renditions: [
      { name: preset.name, width: probe.video.width, height: probe.video.height, frameRate: null, videoBitrate: null, audioBitrate: null },
    ],
    passes: [
      { stage: 'encode', input: { kind: 'source' }, inputArgs, outputArgs: args, renditions: [preset.name], outputs: [preset.output] },
      {
        stage: 'fixity',
        input: { kind: 'output', name: preset.output },
        inputArgs,
        outputArgs: fixityArgs,
        renditions: [preset.name],
        outputs: [preset.fixity.output],
      },
    ],
    streamingSegments: false,
    durationChecks: [{ output: preset.output, kind: 'media' }],
    expectedDurationSeconds: probe.durationSeconds,
    lossless: { inputArgs, hashArgs, sidecar: preset.fixity.output },
    decisions: [{ subject: 'scan', from: scanWords(probe.video.scan.order), to: 'kept (field order recorded)' }, ...decisions],
    warnings,
  };
}

function planThumbnails(preset: ThumbnailsPreset, probe: ProbeResult): EncodePlan {
  const { poster, sprite } = preset;
  const posterSize = fitSize(probe, poster.maxHeight);
  const src = displaySize(probe);
  const tile = { width: sprite.tileWidth, height: even((sprite.tileWidth * src.height) / src.width) };
  const slots = sprite.columns * sprite.rows;
  const interval = Math.ceil(Math.max(sprite.minIntervalSeconds, probe.durationSeconds / slots) * 10) / 10;
  const tiles = Math.max(1, Math.min(slots, Math.ceil(probe.durationSeconds / interval - 0.001)));
  const rows = Math.ceil(tiles / sprite.columns);
  const columns = Math.min(sprite.columns, tiles);
  const posterAt = probe.startSeconds + (probe.durationSeconds * poster.atPercent) / 100;
  const treatment = videoTreatment(probe, { deinterlace: 'frame', pixelFormat: 'yuvj420p' });
  const graph = [
    `[0:${probe.video.index}]${treatment.filters.map((f) => `${f},`).join('')}split=2[p0][s0]`,
    `[p0]select='gte(t\\,${posterAt.toFixed(3)})',${scaleChain(posterSize)}[poster]`,
    `[s0]fps=1/${interval},scale=${tile.width}:${tile.height}:flags=bicubic,setsar=1,tile=${columns}x${rows}[sprite]`,
  ].join(';');
  const args = [
    '-filter_complex',
    graph,
    '-map',
    '[poster]',
    '-frames:v',
    '1',
    '-q:v',
    String(poster.quality),
    '-update',
    '1',
    '-f',
    'image2',
    poster.output,
    '-map',
    '[sprite]',
    '-frames:v',
    '1',
    '-q:v',
    String(sprite.quality),
    '-update',
    '1',
    '-f',
    'image2',
    sprite.output,
  ];
  return {
    kind: 'thumbnails',
    renditions: [{ name: 'poster', ...posterSize, frameRate: null, videoBitrate: null, audioBitrate: null }],
    passes: [
      {
        stage: 'encode',
        input: { kind: 'source' },
        outputArgs: args,
        renditions: ['poster', 'sprite'],
        outputs: [poster.output, sprite.output],
      },
    ],
    streamingSegments: false,
    durationChecks: [],
    expectedDurationSeconds: probe.durationSeconds,
    decisions: treatment.decisions.filter((d) => d.subject === 'scan' || d.subject === 'colour' || d.subject === 'rotation'),
    warnings: [],
    spriteIndex: { sheet: sprite.output, index: sprite.index, columns, rows, tiles, intervalSeconds: interval, tileWidth: tile.width },
  };
}

export function planEncode(preset: PresetDefinition, probe: ProbeResult, measurements: PlanMeasurements = {}): EncodePlan {
  switch (preset.kind) {
    case 'hls':
      return planHls(preset, probe, measurements);
    case 'mp4':
      return planMp4(preset, probe, measurements);
    case 'archive':
      return planArchive(preset, probe);
    case 'thumbnails':
      return planThumbnails(preset, probe);
    case 'package':
      return planPackage(preset, probe, measurements.keyframes);
  }
}

/** The WebVTT index of a sprite sheet: one cue per tile, pointing at its rectangle. */
export function spriteVtt(index: NonNullable<EncodePlan['spriteIndex']>, tileHeight: number, durationSeconds: number): string {
  const stamp = (s: number) => {
    const ms = Math.round(s * 1000);
    const h = Math.floor(ms / 3_600_000);
    const m = Math.floor((ms % 3_600_000) / 60_000);
    const sec = Math.floor((ms % 60_000) / 1000);
    return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
  };
  const lines = ['WEBVTT', ''];
  for (let i = 0; i < index.tiles; i++) {
    const start = i * index.intervalSeconds;
    const end = Math.min(durationSeconds, (i + 1) * index.intervalSeconds);
    if (start >= durationSeconds) break;
    const x = (i % index.columns) * index.tileWidth;
    const y = Math.floor(i / index.columns) * tileHeight;
    lines.push(`${stamp(start)} --> ${stamp(end)}`, `${index.sheet}#xywh=${x},${y},${index.tileWidth},${tileHeight}`, '');
  }
  return lines.join('\n');
}
