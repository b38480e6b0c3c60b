import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.ts';
import { untilInterrupted } from '../cli/cancellation.ts';
import { destinationFlag } from '../cli/flags.ts';
import type { RetainedEncodeResult } from '../core/encode/outputs/encode-result.ts';
import { renderEncodeResult } from '../ui/encode.ts';
import { qualityFlags, qualityOverrides } from '../cli/quality-flags.ts';

export default class Encode extends BaseCommand<RetainedEncodeResult> {
  static override summary = 'Encode a video with a preset, from and to local files or MinIO.';
  static override description = `SOURCE is a local file or ALIAS/BUCKET/KEY. A remote source is never downloaded whole first: ffmpeg reads it through a loopback relay (http://127.0.0.1:PORT/TOKEN/NAME, served only while the encode runs and, on Linux, only to processes of the same user) that signs each request afresh, so no presigned URL or key appears on ffmpeg's command line.

Without --to, the outputs go to a folder beside the source named after it and the preset (clip.mov -> clip.hls-h264/), on the same storage. --to takes a local folder or ALIAS/BUCKET/PREFIX/.

The manifest (manifest.json: outputs with sizes and sha256, source identity, preset, tool versions) is written last: a consumer that waits for it never sees a partial result. A failed or interrupted encode leaves no manifest and no incomplete multipart upload. Running the same encode again is a no-op when the destination's manifest records this source version and preset and every output it lists is there as recorded (else it is encoded again, with a warning); --force encodes again, and the encode it replaces stays whole until the new one is (in a bucket, the new one is made under .mpegflow-staging/ and moved into place at the end; a failed or cancelled run leaves the old one as it was).`;
  static override examples = [
    '<%= config.bin %> encode clip.mov',
    '<%= config.bin %> encode clip.mov --preset mp4-h264 --to ./web/',
    '<%= config.bin %> encode edge1/ingest/2026/interview.mov --to central/vod/interview/',
    '<%= config.bin %> encode central/masters/reel.mov --preset archive-ffv1 --to archive/preservation/reel/ --json',
    '<%= config.bin %> encode clip.mov --preset-file ./my-ladder.json',
    '<%= config.bin %> encode central/masters/reel.mov --preset archive-ffv1 --to archive/preservation/reel/ --retain 7y --retention-mode compliance',
  ];
  static override audited = true;

  static override args = {
    source: Args.string({ description: 'video to encode: a local file or ALIAS/BUCKET/KEY', required: true }),
  };

  static override flags = {
    preset: Flags.string({ char: 'p', description: 'preset name (see `mpegflow preset list`)', default: 'hls-h264' }),
    'preset-file': Flags.string({ description: 'a preset JSON file of your own (overrides --preset)' }),
    to: destinationFlag('destination folder: a local path or ALIAS/BUCKET/PREFIX/', { char: 'o' }),
    force: Flags.boolean({ description: 'encode again even if the destination already holds this encode (or another one)' }),
    retain: Flags.string({
      description: 'S3 Object Lock retention for the stored outputs, e.g. 7y, 1y6mo, 90d (the bucket needs Object Lock)',
    }),
    'retention-mode': Flags.string({ description: 'Object Lock mode (default governance)', options: ['governance', 'compliance'] }),
    'legal-hold': Flags.boolean({ description: 'put a legal hold on the stored outputs' }),
    ...qualityFlags,
    'work-dir': Flags.string({
      description:
        'scratch folder for ffmpeg outputs before they are stored (default: a hidden folder inside a local destination, else the temp folder)',
    }),
  };

  protected async execute(): Promise<RetainedEncodeResult> {
    const { args, flags } = await this.parse(Encode);
    const [{ runRequestedEncode }, ui] = await Promise.all([
      import('../core/encode/requested-encode.ts'),
      import('../ui/encode-progress.ts'),
    ]);
    const db = await this.store();
    const mode = ui.progressMode({ json: this.jsonEnabled(), verbose: this.argv.includes('--verbose') });
    return runRequestedEncode(
      {
        source: args.source,
        to: flags.to,
        preset: flags.preset,
        presetFile: flags['preset-file'],
        force: flags.force,
        retain: flags.retain,
        retentionMode: flags['retention-mode'],
        legalHold: flags['legal-hold'],
        workDir: flags['work-dir'],
        quality: () => qualityOverrides(flags),
      },
      {
        db,
        audit: await this.auditContext(),
        onNote: (m) => this.note(m),
        progress: (labels) => ui.createProgress(mode, 'encode', labels),
        interruptible: untilInterrupted,
      },
    );
  }

  protected override renderHuman(result: RetainedEncodeResult): void {
    this.log(renderEncodeResult(result));
  }
}
