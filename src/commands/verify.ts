import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.ts';
import type { VerifyResult } from '../core/encode/verify/verify.ts';
import { untilInterrupted } from '../cli/cancellation.ts';
import { renderVerifyResult } from '../ui/encode.ts';

export default class Verify extends BaseCommand<VerifyResult> {
  static override summary = 'Re-check every output of an encode against its manifest (fixity).';
  static override description = `Reads manifest.json in DEST (a local folder or ALIAS/BUCKET/PREFIX/), re-reads every output it lists and compares size and sha256. For archive-ffv1 encodes it also re-decodes the FFV1 master and compares each frame's checksum with the framemd5 sidecar.

With --quality, the renditions of an encode made with a quality gate are scored again against the source (which must be the version encoded), with the reference the manifest records, and compared with the scores recorded at encode time: a difference above 0.001 SSIM or 0.05 dB PSNR, or a rendition below its thresholds, is a problem. A bucket's renditions are fetched to a temporary folder for it.

Exit codes: 0 everything matches; 2 something is missing or differs (listed, each object named); 1 the check could not run (no manifest, storage unreachable).`;
  static override examples = [
    '<%= config.bin %> verify clip.hls-h264/',
    '<%= config.bin %> verify archive/preservation/reel/ --json',
    '<%= config.bin %> verify central/vod/interview/ || echo "fixity check failed"',
    '<%= config.bin %> verify central/vod/interview/ --quality',
  ];

  static override flags = {
    quality: Flags.boolean({ description: 'also score the renditions against the source again and compare with the scores recorded' }),
  };

  static override args = {
    destination: Args.string({ description: 'the encode folder: a local path or ALIAS/BUCKET/PREFIX/', required: true }),
  };

  protected async execute(): Promise<VerifyResult> {
    const { args, flags } = await this.parse(Verify);
    const [{ parseObjectPath }, locations, { storageResolver }, { verifyDestination }, ui] = await Promise.all([
      import('../core/endpoints/object-path.ts'),
      import('../core/encode/outputs/locations.ts'),
      import('../core/endpoints/storage.ts'),
      import('../core/encode/verify/verify.ts'),
      import('../ui/encode-progress.ts'),
    ]);
    const db = await this.store();
    const endpoints = await storageResolver(db);
    // accept the manifest itself as well as its folder
    const target = args.destination.replace(/(^|\/)manifest\.json$/, '$1') || '.';
    const destination = locations.destinationFrom(parseObjectPath(target, { ...endpoints, onNote: (m: string) => this.note(m) }));
    const mode = ui.progressMode({ json: this.jsonEnabled(), verbose: this.argv.includes('--verbose') });
    const progress = await ui.createProgress(mode, 'verify', { destination: locations.formatDestination(destination) });
    try {
      const result = await untilInterrupted((signal) =>
        verifyDestination({
          destination,
          s3For: endpoints.s3For,
          signal,
          onProgress: progress.listener,
          quality: flags.quality,
        }),
      );
      await progress.finish(result.ok ? undefined : new Error(`${result.problems.length} problems`));
      return result;
    } catch (error) {
      await progress.finish(error);
      throw error;
    }
  }

  protected override exitCodeFor(result: VerifyResult): number {
    return result.ok ? 0 : 2;
  }

  protected override renderHuman(result: VerifyResult): void {
    this.log(renderVerifyResult(result));
  }
}
