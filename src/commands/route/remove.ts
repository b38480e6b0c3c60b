import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import type { Route } from '../../core/routing/model.ts';
import { renderRouteRemoved } from '../../ui/routes.ts';

export default class RouteRemove extends BaseCommand<Route> {
  static override summary = 'Remove a routing rule (jobs it already queued stay queued).';
  static override examples = ['<%= config.bin %> route remove acme-news'];
  static override audited = true;
  static override args = { name: Args.string({ description: 'rule name', required: true }) };

  protected async execute(): Promise<Route> {
    const { args } = await this.parse(RouteRemove);
    const { removeRoute } = await import('../../core/routing/repository.ts');
    return await removeRoute({ db: await this.store(), audit: await this.auditContext(), name: args.name });
  }

  protected override renderHuman(route: Route): void {
    this.log(renderRouteRemoved(route));
  }
}
