import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import type { Route } from '../../core/routing/model.ts';
import { renderRoute } from '../../ui/routes.ts';

export default class RouteShow extends BaseCommand<Route> {
  static override summary = 'Show one routing rule.';
  static override examples = ['<%= config.bin %> route show acme-news'];
  static override args = { name: Args.string({ description: 'rule name', required: true }) };

  protected async execute(): Promise<Route> {
    const { args } = await this.parse(RouteShow);
    const { getRoute } = await import('../../core/routing/repository.ts');
    return await getRoute(await this.store(), args.name);
  }

  protected override renderHuman(route: Route): void {
    this.log(renderRoute(route));
  }
}
