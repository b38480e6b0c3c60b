import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import type { EndpointTestResult } from '../../core/endpoints/probe.ts';
import { renderTable } from '../../ui/table.ts';

export default class EndpointTest extends BaseCommand<EndpointTestResult> {
  static override summary = 'Check that an endpoint answers, accepts its credentials, and is the MinIO you expect.';
  static override description =
    'Lists buckets a few times (reachability, TLS, credentials, round-trip latency), then reads the server info from the admin API (version, mode, nodes, drives). Exits 0 when everything passed, 1 when the endpoint cannot be used, and 1 with the S3 checks passed but the admin API refused (health checks need it).';
  static override examples = ['<%= config.bin %> endpoint test edge1', '<%= config.bin %> endpoint test central --json'];
  static override args = { name: Args.string({ description: 'endpoint name', required: true }) };
  static override flags = {
    samples: Flags.integer({ description: 'round trips to time', default: 5, min: 1, max: 100 }),
    timeout: Flags.integer({ description: 'seconds to wait for each answer', default: 10, min: 1 }),
  };

  protected async execute(): Promise<EndpointTestResult> {
    const { args, flags } = await this.parse(EndpointTest);
    const { resolveEndpoint } = await import('../../core/endpoints/repository.ts');
    const { testEndpoint } = await import('../../core/endpoints/probe.ts');
    return testEndpoint({
      endpoint: await resolveEndpoint(await this.store(), args.name),
      samples: flags.samples,
      timeoutMs: flags.timeout * 1000,
    });
  }

  protected override exitCodeFor(result: EndpointTestResult): number {
    return result.ok ? 0 : 1;
  }

  protected override renderHuman(result: EndpointTestResult): void {
    this.log(`${result.endpoint} (${result.url}): ${result.ok ? 'OK' : 'PROBLEMS'}`);
    this.log(
      renderTable(
        ['CHECK', 'RESULT', 'DETAIL'],
        result.checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', c.detail]),
      ),
    );
  }
}
