import { BaseCommand } from '../../cli/base-command.ts';
import type { Route } from '../../core/routing/model.ts';
import { renderRouteList } from '../../ui/routes.ts';

export interface RouteListResult {
  /** In precedence order: the first that matches a source applies. */
  routes: Route[];
}

export default class RouteList extends BaseCommand<RouteListResult> {
  static override summary = 'List routing rules in precedence order (priority, then specificity).';
  static override examples = ['<%= config.bin %> route list', '<%= config.bin %> route list --json'];

  protected async execute(): Promise<RouteListResult> {
    await this.parse(RouteList);
    const [{ listRoutes }, { precedence }] = await Promise.all([
      import('../../core/routing/repository.ts'),
      import('../../core/routing/match.ts'),
    ]);
    return { routes: (await listRoutes(await this.store())).sort(precedence) };
  }

  protected override renderHuman({ routes }: RouteListResult): void {
    this.log(renderRouteList(routes));
  }
}
