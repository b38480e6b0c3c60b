import { BaseCommand } from '../../../cli/base-command.ts';
import type { BrokerToken } from '../../../core/broker/tokens.ts';
import { renderTokens } from '../../../ui/broker.ts';

export default class BrokerTokenList extends BaseCommand<{ tokens: BrokerToken[] }> {
  static override summary = 'List the worker hosts that have a broker token (never the tokens).';
  static override examples = ['<%= config.bin %> broker token list'];

  protected async execute(): Promise<{ tokens: BrokerToken[] }> {
    await this.parse(BrokerTokenList);
    const { listTokens } = await import('../../../core/broker/tokens.ts');
    return { tokens: await listTokens(await this.store()) };
  }

  protected override renderHuman({ tokens }: { tokens: BrokerToken[] }): void {
    this.log(renderTokens(tokens));
  }
}
