import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import type { Endpoint } from '../../core/endpoints/model.ts';
import { renderEndpoint } from '../../ui/endpoints.ts';

export default class EndpointShow extends BaseCommand<Endpoint> {
  static override summary = 'Show one endpoint (the secret key is never shown).';
  static override examples = ['<%= config.bin %> endpoint show edge1'];
  static override args = { name: Args.string({ description: 'endpoint name', required: true }) };

  protected async execute(): Promise<Endpoint> {
    const { args } = await this.parse(EndpointShow);
    const { getEndpoint } = await import('../../core/endpoints/repository.ts');
    return await getEndpoint(await this.store(), args.name);
  }

  protected override renderHuman(endpoint: Endpoint): void {
    this.log(renderEndpoint(endpoint));
  }
}
