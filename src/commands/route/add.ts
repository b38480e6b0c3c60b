import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import type { Route } from '../../core/routing/model.ts';
import { renderRouteSaved } from '../../ui/routes.ts';

export default class RouteAdd extends BaseCommand<Route> {
  static override summary = 'Add a routing rule: which presets a source gets and where their outputs go.';
  static override description = `--match takes conditions, each optional, comma-separated: customer=C, class=K, source=ALIAS/BUCKET/PREFIX (no --match: every source). A source's customer and class come from \`job submit --customer/--class\`, else its user metadata (x-amz-meta-mpegflow-customer, x-amz-meta-mpegflow-class), else its tags (mpegflow-customer, mpegflow-class).

Each --preset makes one job per source. --to is a destination template ALIAS/BUCKET/PREFIX/ with {customer} {class} {stem} {date} {preset} in the prefix; give one --to for all presets or one per preset (the n-th --to is for the n-th --preset), so one source can fan out to several stores.

Precedence: the highest --priority wins; at equal priority the more specific rule (more conditions, then the deeper source folder). A rule that would tie with another of the same priority is refused.

--retain (e.g. 7y, 1y6mo, 90d) and --legal-hold set S3 Object Lock on the outputs of the rule's archive presets (of every preset when it has none) once they are stored; their buckets must have Object Lock, which is checked now.`;
  static override examples = [
    '<%= config.bin %> route add acme-news --match customer=acme,class=news --preset hls-h264 --to cdn/vod/{customer}/{stem}/ --preset archive-ffv1 --to archive/masters/{customer}/{date}/{stem}/ --retain 7y --retention-mode compliance',
    '<%= config.bin %> route add ingest-2026 --match source=edge1/ingest/2026/ --preset proxy --preset thumbnails --to central/review/{stem}.{preset}/ --priority 10',
  ];
  static override audited = true;
  static override args = { name: Args.string({ description: 'rule name', required: true }) };
  static override flags = {
    match: Flags.string({ description: 'conditions: customer=C,class=K,source=ALIAS/BUCKET/PREFIX (each optional)' }),
    preset: Flags.string({
      char: 'p',
      description: 'preset to encode with (repeatable: one job per preset)',
      multiple: true,
      required: true,
    }),
    to: Flags.string({
      description: 'destination template (one for all presets, or one per --preset in order)',
      multiple: true,
      required: true,
    }),
    priority: Flags.integer({ description: 'higher wins over lower', default: 0 }),
    retain: Flags.string({ description: 'S3 Object Lock retention for archive outputs, e.g. 7y, 1y6mo, 90d' }),
    'retention-mode': Flags.string({ description: 'Object Lock mode (default governance)', options: ['governance', 'compliance'] }),
    'legal-hold': Flags.boolean({ description: 'put a legal hold on archive outputs' }),
    replace: Flags.boolean({ description: 'replace a rule of the same name' }),
  };

  protected async execute(): Promise<Route> {
    const { args, flags } = await this.parse(RouteAdd);
    const [{ validateRoute }, { resolvePreset }, { storageResolver }, repo, { requireObjectLock }, { overlapProblem }] = await Promise.all([
      import('../../core/routing/validate.ts'),
      import('../../core/encode/presets/presets.ts'),
      import('../../core/endpoints/storage.ts'),
      import('../../core/routing/repository.ts'),
      import('../../core/s3/object-lock.ts'),
      import('../../core/routing/match.ts'),
    ]);
    const db = await this.store();
    const storage = await storageResolver(db);
    const route = validateRoute(
      {
        name: args.name,
        match: flags.match,
        presets: flags.preset,
        to: flags.to,
        priority: flags.priority,
        retain: flags.retain,
        retentionMode: flags['retention-mode'],
        legalHold: flags['legal-hold'],
      },
      { isEndpoint: storage.isAlias, presetKind: (name) => resolvePreset({ name }).definition.kind },
    );
    // cheap checks before the network: a name taken, a tie with another rule
    const existing = await repo.listRoutes(db);
    if (!flags.replace && existing.some((r) => r.name === route.name)) throw repo.routeExists(route.name);
    const rival = overlapProblem(route, existing);
    if (rival) throw repo.overlapError(route, rival);
    const buckets = new Set(route.targets.filter((t) => t.retained).map((t) => t.to.split('/').slice(0, 2).join('/')));
    for (const bucket of buckets) {
      const [alias, name] = bucket.split('/') as [string, string];
      await requireObjectLock(storage.s3For(alias), alias, name);
    }
    return await repo.addRoute({ db, audit: await this.auditContext(), route, replace: flags.replace });
  }

  protected override renderHuman(route: Route): void {
    this.log(renderRouteSaved(route));
  }
}
