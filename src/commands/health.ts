import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.ts';
import { spanFlag } from '../cli/flags.ts';
import { userError } from '../core/errors.ts';
import type { HealthResult } from '../core/health/check.ts';
import { STATUS_EXIT_CODE } from '../core/health/quorum.ts';
import { renderHealthResult } from '../ui/health.ts';

export default class Health extends BaseCommand<HealthResult> {
  static override summary = 'Erasure-coding health of MinIO deployments, with monitoring exit codes.';
  static override description = `For each pool and erasure set: drives online, offline and healing (which node and path), parity, read and write quorum, and how many more drives the set can lose before it turns read-only (write quorum lost) and before objects become unreadable (read quorum lost). A deployment is as healthy as its worst set.

Exit codes follow the monitoring-plugin convention: 0 OK; 1 WARNING (degraded or healing, but at least one more drive can fail in every set before it turns read-only); 2 CRITICAL (a set is at write quorum, or past it); 3 UNKNOWN (the deployment could not be asked).

Each run stores a small sample (drives, capacity, usage) for \`mpegflow capacity\` forecasts: run it from cron.`;
  static override examples = [
    '<%= config.bin %> health',
    '<%= config.bin %> health archive --json',
    '<%= config.bin %> health --textfile /var/lib/mpegflow-metrics/health.prom',
  ];
  static override monitoring = 'HEALTH';
  static override strict = false;
  static override args = { name: Args.string({ description: 'endpoint names (default: every configured endpoint)' }) };
  static override flags = {
    textfile: Flags.string({
      description: 'also write the figures to this node_exporter textfile-collector file (atomically)',
      // the flag's name before the other monitoring commands gained --textfile
      aliases: ['prometheus'],
    }),
    timeout: spanFlag({ description: 'how long to wait for each deployment', default: '15s' }),
  };

  protected async execute(): Promise<HealthResult> {
    const { argv, flags } = await this.parse(Health);
    const db = await this.store();
    const { listEndpoints, resolveEndpoint } = await import('../core/endpoints/repository.ts');
    const names = argv.length > 0 ? (argv as string[]) : (await listEndpoints(db)).map((e) => e.name);
    if (names.length === 0)
      throw userError(
        'no endpoints are configured',
        'add one with `mpegflow endpoint add NAME --url URL --access-key KEY --secret-key-stdin`',
        'NO_ENDPOINTS',
      );
    const { collectSnapshot } = await import('../core/health/collect.ts');
    const { checkHealth } = await import('../core/health/check.ts');
    const result = await checkHealth({
      db,
      names,
      resolve: (name) => resolveEndpoint(db, name),
      collect: (endpoint) => collectSnapshot({ endpoint, timeoutMs: flags.timeout * 1000 }),
    });
    if (flags.textfile) {
      const [{ renderTextfile }, { writeTextfileAtomically }] = await Promise.all([
        import('../core/health/textfile.ts'),
        import('../core/textfile.ts'),
      ]);
      writeTextfileAtomically(flags.textfile, renderTextfile(result.endpoints));
    }
    return result;
  }

  protected override exitCodeFor(result: HealthResult): number {
    return STATUS_EXIT_CODE[result.status];
  }

  protected override renderHuman(result: HealthResult): void {
    this.log(renderHealthResult(result));
  }
}
