import { Args } from '@oclif/core';
import { BaseCommand } from '../../../cli/base-command.ts';
import type { BrokerTokenAdded } from '../../../core/broker/tokens.ts';
import { renderTokenAdded } from '../../../ui/broker.ts';

export default class BrokerTokenAdd extends BaseCommand<BrokerTokenAdded> {
  static override summary = "Issue a worker host's broker token (printed once; adding again rotates it).";
  static override description = `Run on the broker host. The token is printed once and stored only as its sha256: put it on the worker host in a file of mode 0600 (--broker-token-file) or in MPEGFLOW_BROKER_TOKEN. Adding a token for a host that has one replaces it, and the old one stops working at once.`;
  static override examples = [
    '<%= config.bin %> broker token add enc1 > /dev/null  # see --json',
    '<%= config.bin %> broker token add enc2 --json | jq -r .token',
  ];
  static override audited = true;
  static override args = {
    host: Args.string({
      description: 'the worker host, as its workers name themselves (MPEGFLOW_HOST_NAME or the host name)',
      required: true,
    }),
  };

  protected async execute(): Promise<BrokerTokenAdded> {
    const { args } = await this.parse(BrokerTokenAdd);
    const { addToken } = await import('../../../core/broker/tokens.ts');
    return { host: args.host, token: await addToken(await this.store(), args.host, await this.auditContext()) };
  }

  protected override renderHuman(added: BrokerTokenAdded): void {
    this.log(renderTokenAdded(added));
  }
}
