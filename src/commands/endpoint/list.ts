import { BaseCommand } from '../../cli/base-command.ts';
import type { Endpoint } from '../../core/endpoints/model.ts';
import { renderEndpointList } from '../../ui/endpoints.ts';

export interface EndpointListResult {
  endpoints: Endpoint[];
}

export default class EndpointList extends BaseCommand<EndpointListResult> {
  static override summary = 'List the configured MinIO endpoints (secrets are never shown).';
  static override examples = ['<%= config.bin %> endpoint list', '<%= config.bin %> endpoint list --json'];

  protected async execute(): Promise<EndpointListResult> {
    await this.parse(EndpointList);
    const { listEndpoints } = await import('../../core/endpoints/repository.ts');
    return { endpoints: await listEndpoints(await this.store()) };
  }

  protected override renderHuman({ endpoints }: EndpointListResult): void {
    this.log(renderEndpointList(endpoints));
  }
}
