import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import type { Endpoint } from '../../core/endpoints/model.ts';
import { renderEndpointRemoved } from '../../ui/endpoints.ts';

export default class EndpointRemove extends BaseCommand<Endpoint> {
  static override summary = 'Remove an endpoint from MpegFlow (nothing on the server changes).';
  static override examples = ['<%= config.bin %> endpoint remove edge1'];
  static override audited = true;
  static override args = { name: Args.string({ description: 'endpoint name', required: true }) };

  protected async execute(): Promise<Endpoint> {
    const { args } = await this.parse(EndpointRemove);
    const { removeEndpoint } = await import('../../core/endpoints/repository.ts');
    return await removeEndpoint({ db: await this.store(), audit: await this.auditContext(), name: args.name });
  }

  protected override renderHuman(endpoint: Endpoint): void {
    this.log(renderEndpointRemoved(endpoint));
  }
}
