import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.ts';
import { untilInterrupted } from '../cli/cancellation.ts';
import type { SourceReport } from '../core/encode/source/describe-source.ts';
import { renderSourceReport } from '../ui/source.ts';

export default class Probe extends BaseCommand<SourceReport> {
  static override summary = 'Describe a source as a QC engineer would, and what a preset would do with it.';
  static override description = `SOURCE is a local file or ALIAS/BUCKET/KEY (read through the same loopback relay as encode; nothing is downloaded whole).

It reports the streams; whether the picture is interlaced and in which field order (from the container, checked by ffmpeg's idet on a sample of 60 frames: idet wins when it is clear, and a disagreement is a warning); display aspect (SAR), rotation, frame-rate mode (CFR/VFR); colour (primaries, transfer, matrix, range; HDR10 or HLG with mastering-display and light-level metadata); bit depth and chroma; every audio track with its layout and language; subtitles and captions; timecode. The duration that counts is the picture's: a stream that outlasts it is a warning.

--loudness measures each audio track's integrated loudness, loudness range and true peak (EBU R128 / ITU-R BS.1770): it reads the whole audio. --preset shows what an encode with that preset would do with each of these ("interlaced TFF -> progressive: bwdif", "HDR10 -> SDR BT.709: tone-mapped", "5.1 -> stereo down-mix", "-9.6 LUFS -> -16 LUFS"); a preset with a loudness target measures the audio it would normalise, as the encode does.`;
  static override examples = [
    '<%= config.bin %> probe ./broadcast.mxf',
    '<%= config.bin %> probe central/masters/reel.mov --preset hls-h264',
    '<%= config.bin %> probe ./programme.mov --loudness --json',
  ];

  static override args = {
    source: Args.string({ description: 'video to describe: a local file or ALIAS/BUCKET/KEY', required: true }),
  };

  static override flags = {
    preset: Flags.string({ char: 'p', description: 'show what this preset would do with the source (see `mpegflow preset list`)' }),
    'preset-file': Flags.string({ description: 'the same, for a preset JSON file of your own' }),
    loudness: Flags.boolean({
      description: 'measure every audio track (EBU R128 integrated loudness, range, true peak); reads the whole audio',
    }),
  };

  protected async execute(): Promise<SourceReport> {
    const { args, flags } = await this.parse(Probe);
    const [{ parseObjectPath }, { resolvePreset }, { storageResolver }, { describeSource }] = await Promise.all([
      import('../core/endpoints/object-path.ts'),
      import('../core/encode/presets/presets.ts'),
      import('../core/endpoints/storage.ts'),
      import('../core/encode/source/describe-source.ts'),
    ]);
    const endpoints = await storageResolver(await this.store());
    const source = parseObjectPath(args.source, { ...endpoints, onNote: (m: string) => this.note(m) });
    const preset = flags.preset || flags['preset-file'] ? resolvePreset({ name: flags.preset, file: flags['preset-file'] }) : undefined;
    return untilInterrupted((signal) => describeSource({ source, s3For: endpoints.s3For, preset, loudness: flags.loudness, signal }));
  }

  protected override renderHuman(report: SourceReport): void {
    this.log(renderSourceReport(report));
  }
}
