import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.ts';
import { untilInterrupted } from '../cli/cancellation.ts';
import { destinationFlag } from '../cli/flags.ts';
import type { EncodeResult, RetainedEncodeResult } from '../core/encode/outputs/encode-result.ts';
import type { RetentionSet } from '../core/routing/retention.ts';
import { usageError } from '../core/errors.ts';
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
    const [{ parseObjectPath, formatLocation }, { resolvePreset }, locations, { storageResolver }, { runEncode }, { encodeReplacing }, ui] =
      await Promise.all([
        import('../core/endpoints/object-path.ts'),
        import('../core/encode/presets/presets.ts'),
        import('../core/encode/outputs/locations.ts'),
        import('../core/endpoints/storage.ts'),
        import('../core/encode/pipeline.ts'),
        import('../core/encode/outputs/replace.ts'),
        import('../ui/encode-progress.ts'),
      ]);
    const db = await this.store();
    const { loadEntitlements, requireCapability } = await import('../core/license/entitlements.ts');
    const entitlements = await loadEntitlements({ db });
    requireCapability(entitlements, 'encode');
    const endpoints = await storageResolver(db);
    const paths = { ...endpoints, onNote: (m: string) => this.note(m) };
    const source = parseObjectPath(args.source, paths);
    const preset = resolvePreset({ name: flags.preset, file: flags['preset-file'] });
    const destination =
      flags.to !== undefined
        ? locations.destinationFrom(parseObjectPath(flags.to, paths))
        : locations.defaultDestination(source, preset.name);
    const { parseRetention } = await import('../core/routing/validate.ts');
    const retention = parseRetention({ retain: flags.retain, retentionMode: flags['retention-mode'], legalHold: flags['legal-hold'] });
    const retentionApi = retention ? await import('../core/routing/retention.ts') : null;
    if (retention) {
      // refused before any encode starts: retention needs Object Lock, which a bucket gets only when it is made
      if (destination.kind !== 'remote')
        throw usageError('--retain and --legal-hold need a destination in a bucket with Object Lock', 'write --to ALIAS/BUCKET/PREFIX/');
      const { requireObjectLock } = await import('../core/s3/object-lock.ts');
      await requireObjectLock(endpoints.s3For(destination.alias), destination.alias, destination.bucket);
    }

    // the outputs are locked as they are published, before the manifest: an encode is never published unlocked
    let retentionSet: RetentionSet | null = null;
    let lockedFrom: Date | undefined;
    const lock =
      retention && destination.kind === 'remote'
        ? async (keys: string[]) => {
            lockedFrom ??= new Date();
            const client = endpoints.s3For(destination.alias);
            const until = await retentionApi!.applyRetention(client, destination.alias, destination.bucket, keys, retention, lockedFrom);
            retentionSet = {
              mode: retention.retain ? retention.mode : null,
              retainUntil: until,
              legalHold: retention.legalHold,
              objects: (retentionSet?.objects ?? 0) + keys.length,
            };
          }
        : undefined;
    const mode = ui.progressMode({ json: this.jsonEnabled(), verbose: this.argv.includes('--verbose') });
    const progress = await ui.createProgress(mode, 'encode', {
      source: formatLocation(source),
      destination: locations.formatDestination(destination),
      replacing: flags.force && destination.kind === 'remote',
    });
    let result: EncodeResult;
    try {
      result = await untilInterrupted((signal) => {
        const options = {
          source,
          preset,
          workDir: flags['work-dir'],
          s3For: endpoints.s3For,
          onProgress: progress.listener,
          signal,
          maxOutputLines: entitlements.limits.maxResolution,
          quality: qualityOverrides(flags),
          lock,
        };
        // a published encode in a bucket is replaced only once the new one is whole
        if (flags.force && destination.kind === 'remote') return encodeReplacing({ ...options, destination });
        return runEncode({ ...options, destination, ifExists: flags.force ? 'overwrite' : 'skip' });
      });
      await progress.finish();
    } catch (error) {
      await progress.finish(error);
      throw error;
    }
    if (lock && destination.kind === 'remote' && result.status === 'skipped') {
      // published by an earlier run, which may have stopped before its retention was set
      await lock([
        ...result.outputs.map((o) => locations.outputKey(destination.prefix, o.name)),
        locations.outputKey(destination.prefix, locations.MANIFEST_NAME),
      ]);
    }
    await (
      await this.auditContext()
    ).record(db, {
      target: result.destination,
      detail: {
        source: formatLocation(source),
        preset: result.preset.name,
        presetHash: result.preset.hash,
        status: result.status,
        outputs: result.outputs.length,
        bytes: result.bytesStored,
        retention: retentionSet,
      },
    });
    return retention ? { ...result, retention: retentionSet } : result;
  }

  protected override renderHuman(result: RetainedEncodeResult): void {
    this.log(renderEncodeResult(result));
  }
}
