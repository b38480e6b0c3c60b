import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { brokerConnection, brokerFlags } from '../../cli/broker-connection.ts';
import type { BrokerStatusAnswer } from '../../core/broker/protocol.ts';
import { renderBrokerStatus } from '../../ui/broker.ts';

export type BrokerStatus = BrokerStatusAnswer & { url: string };

export default class BrokerStatusCommand extends BaseCommand<BrokerStatus> {
  static override summary = 'Ask a broker whether it answers, which worker hosts it sees, and the grants it issued and refused.';
  static override examples = [
    'MPEGFLOW_BROKER_TOKEN=$(cat /etc/mpegflow/broker.token) <%= config.bin %> broker status --broker https://coord:8443 --broker-ca /etc/mpegflow/site-ca.pem',
  ];
  static override flags = {
    broker: Flags.string({ description: "the broker's URL, https://HOST:PORT", required: true }),
    ...brokerFlags,
  };

  protected async execute(): Promise<BrokerStatus> {
    const { flags } = await this.parse(BrokerStatusCommand);
    const { BrokerClient } = await import('../../core/broker/client.ts');
    const client = new BrokerClient(brokerConnection(flags.broker, flags));
    try {
      return { url: client.url.origin, ...(await client.call<BrokerStatusAnswer>('GET', '/v1/status')) };
    } finally {
      client.close();
    }
  }

  protected override renderHuman(status: BrokerStatus): void {
    this.log(renderBrokerStatus(status));
  }
}
