import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { spanFlag } from '../../cli/flags.ts';
import type { EndpointCapabilities } from '../../core/endpoints/capability-catalogue.ts';
import { renderCapabilities, renderProbeLine } from '../../ui/capabilities.ts';

export default class EndpointCheck extends BaseCommand<EndpointCapabilities> {
  static override summary = 'Probe which S3 features an endpoint really supports, and what MpegFlow can do with it.';
  static override description = `Tries, for real, each S3 feature MpegFlow relies on: object write/read/delete, listing, presigned GET with Range and If-Match (as sources are read for ffmpeg), presigned URL expiry, multipart upload, abort and listing of incomplete uploads, Content-Type and metadata, server-side copy, versioning, Object Lock (retention and legal hold), the bucket replication API and the MinIO admin API. Each is reported as supported, not supported or could not tell, with the MpegFlow features that need it.

The object probes run in a throwaway prefix (.mpegflow-check-<random>/) of the bucket given with --bucket, or in a throwaway bucket; versioning, Object Lock and replication are tried on throwaway buckets (never on yours). Everything is removed afterwards.

Exits 0 when every feature encoding needs works (encode, job submit + worker, verify), 1 when one of them is not supported or could not be confirmed.`;
  static override examples = [
    '<%= config.bin %> endpoint check edge1',
    '<%= config.bin %> endpoint check archive --bucket masters --json',
    '<%= config.bin %> endpoint check central --bucket media --no-create-buckets',
  ];
  static override audited = true;
  static override args = { name: Args.string({ description: 'endpoint name', required: true }) };
  static override flags = {
    bucket: Flags.string({ description: 'existing bucket for the object probes (a throwaway prefix in it); default: a throwaway bucket' }),
    'create-buckets': Flags.boolean({
      description:
        'create throwaway buckets for versioning, Object Lock and replication (--no-create-buckets: those become "could not tell")',
      default: true,
      allowNo: true,
    }),
    timeout: spanFlag({ description: 'how long to wait for each probe', default: '60s' }),
  };

  protected async execute(): Promise<EndpointCapabilities> {
    const { args, flags } = await this.parse(EndpointCheck);
    const { resolveEndpoint } = await import('../../core/endpoints/repository.ts');
    const { checkCapabilities } = await import('../../core/endpoints/capabilities.ts');
    const progress = !this.jsonEnabled() && Boolean(process.stderr.isTTY);
    return checkCapabilities({
      endpoint: await resolveEndpoint(await this.store(), args.name),
      bucket: flags.bucket,
      createBuckets: flags['create-buckets'],
      timeoutMs: flags.timeout * 1000,
      onProbe: progress ? (c) => process.stderr.write(`  ${renderProbeLine(c)}\n`) : undefined,
    });
  }

  protected override exitCodeFor(result: EndpointCapabilities): number {
    return result.encodingReady ? 0 : 1;
  }

  protected override renderHuman(result: EndpointCapabilities): void {
    this.log(renderCapabilities(result));
  }
}
