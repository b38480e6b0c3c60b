import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { spanFlag } from '../../cli/flags.ts';
import { parseByteSize } from '../../cli/byte-size.ts';
import { usageError } from '../../core/errors.ts';
import type { EndpointTestOutput } from '../../core/endpoints/probe.ts';
import { renderEndpointTest } from '../../ui/endpoints.ts';

const MIN_SIZE = 16 * 1024 * 1024;

export default class EndpointTest extends BaseCommand<EndpointTestOutput> {
  static override summary = 'Check that an endpoint answers, accepts its credentials, and is the MinIO you expect.';
  static override description = `Lists buckets a few times (reachability, TLS, credentials, round-trip latency), then reads the server info from the admin API (version, mode, nodes, drives). Exits 0 when everything passed, 1 when the endpoint cannot be used, and 1 with the S3 checks passed but the admin API refused (health checks need it).

With --throughput it also uploads a generated payload (--size, default 256MiB) as a multipart upload with --concurrency parts in flight, reads it back with as many parallel ranged GETs, compares every byte and removes it; it reports MB/s each way and how many encodes of typical mezzanine sources (ProRes, XDCAM) the link can feed at once. The payload goes under a throwaway prefix of --bucket, or into a throwaway bucket. Which S3 features the store supports: \`mpegflow endpoint check\`.`;
  static override examples = [
    '<%= config.bin %> endpoint test edge1',
    '<%= config.bin %> endpoint test central --json',
    '<%= config.bin %> endpoint test central --throughput --size 1GiB --concurrency 8 --bucket masters',
  ];
  static override args = { name: Args.string({ description: 'endpoint name', required: true }) };
  static override flags = {
    samples: Flags.integer({ description: 'round trips to time', default: 5, min: 1, max: 100 }),
    timeout: spanFlag({ description: 'how long to wait for each answer', default: '10s' }),
    throughput: Flags.boolean({ description: 'also measure upload and download throughput with a generated payload' }),
    size: Flags.string({ description: 'payload size for --throughput (e.g. 256MiB, 1GiB)', default: '256MiB' }),
    concurrency: Flags.integer({ description: 'parts in flight each way for --throughput', default: 4, min: 1, max: 64 }),
    bucket: Flags.string({
      description: 'existing bucket for the --throughput payload (default: a throwaway bucket)',
      dependsOn: ['throughput'],
    }),
  };

  protected async execute(): Promise<EndpointTestOutput> {
    const { args, flags } = await this.parse(EndpointTest);
    const sizeBytes = parseByteSize(flags.size, '--size');
    if (flags.throughput && sizeBytes < MIN_SIZE)
      throw usageError(`--size ${flags.size} is too small to time`, 'use at least 16MiB (the default is 256MiB)');
    if (flags.throughput && sizeBytes > 16 * 1024 ** 3)
      throw usageError(`--size ${flags.size} is more than 16GiB`, 'the payload is held in memory: use 16GiB or less');
    const { resolveEndpoint } = await import('../../core/endpoints/repository.ts');
    const { testEndpoint } = await import('../../core/endpoints/probe.ts');
    const endpoint = await resolveEndpoint(await this.store(), args.name);
    const result: EndpointTestOutput = await testEndpoint({
      endpoint,
      samples: flags.samples,
      timeoutMs: flags.timeout * 1000,
    });
    if (flags.throughput) {
      const { measureThroughput } = await import('../../core/endpoints/throughput.ts');
      const progress = !this.jsonEnabled() && Boolean(process.stderr.isTTY);
      result.throughput = await measureThroughput({
        endpoint,
        bucket: flags.bucket,
        sizeBytes,
        concurrency: flags.concurrency,
        onPhase: progress ? (phase) => process.stderr.write(`  ${phase}...\n`) : undefined,
      });
    }
    return result;
  }

  protected override exitCodeFor(result: EndpointTestOutput): number {
    return result.ok && (result.throughput?.verified ?? true) ? 0 : 1;
  }

  protected override renderHuman(result: EndpointTestOutput): void {
    this.log(renderEndpointTest(result));
  }
}
