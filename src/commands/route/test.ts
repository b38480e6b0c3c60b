import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import type { RouteTestResult } from '../../core/routing/explain.ts';
import { renderRouteTest } from '../../ui/routes.ts';

export default class RouteTest extends BaseCommand<RouteTestResult> {
  static override summary = 'Explain which rule applies to a source, why the others do not, and the exact destinations (changes nothing).';
  static override description = `SOURCE is ALIAS/BUCKET/KEY or a local file. Its customer and class come from --customer/--class, else the object's user metadata (x-amz-meta-mpegflow-customer, x-amz-meta-mpegflow-class), else its tags (mpegflow-customer, mpegflow-class).

Exit codes: 0 a rule applies and gives every destination; 1 no rule applies, or the one that does cannot fill its template.`;
  static override examples = [
    '<%= config.bin %> route test central/masters/2026/ep1.mxf',
    '<%= config.bin %> route test central/masters/2026/ep1.mxf --customer acme --class news --json',
  ];
  static override args = { source: Args.string({ description: 'ALIAS/BUCKET/KEY or a local file', required: true }) };
  static override flags = {
    customer: Flags.string({ description: 'the customer (else read from the object)' }),
    class: Flags.string({ description: 'the class of material (else read from the object)' }),
  };

  protected async execute(): Promise<RouteTestResult> {
    const { args, flags } = await this.parse(RouteTest);
    const [{ storageResolver }, { parseObjectPath }, { listRoutes }, { explainRouting }] = await Promise.all([
      import('../../core/endpoints/storage.ts'),
      import('../../core/endpoints/object-path.ts'),
      import('../../core/routing/repository.ts'),
      import('../../core/routing/explain.ts'),
    ]);
    const db = await this.store();
    const storage = await storageResolver(db);
    return await explainRouting({
      location: parseObjectPath(args.source, { ...storage, onNote: (m: string) => this.note(m) }),
      routes: await listRoutes(db),
      given: { customer: flags.customer, class: flags.class },
      s3For: storage.s3For,
    });
  }

  protected override exitCodeFor(result: RouteTestResult): number {
    return result.route && !result.problem ? 0 : 1;
  }

  protected override renderHuman(result: RouteTestResult): void {
    this.log(renderRouteTest(result));
  }
}
