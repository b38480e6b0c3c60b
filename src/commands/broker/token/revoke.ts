import { Args } from '@oclif/core';
import { BaseCommand } from '../../../cli/base-command.ts';
import type { BrokerToken } from '../../../core/broker/tokens.ts';

export default class BrokerTokenRevoke extends BaseCommand<BrokerToken> {
  static override summary = "Revoke a worker host's broker token: its next request is refused.";
  static override description = `The broker refuses the host's next call (a claim, a heartbeat, a grant) at once. Grants it already holds are presigned URLs the store honours until they end (at most its lease and 30 s); its running job is taken over when the lease runs out, and what it staged is never published.`;
  static override examples = ['<%= config.bin %> broker token revoke enc3'];
  static override audited = true;
  static override args = { host: Args.string({ description: 'the worker host', required: true }) };

  protected async execute(): Promise<BrokerToken> {
    const { args } = await this.parse(BrokerTokenRevoke);
    const { revokeToken } = await import('../../../core/broker/tokens.ts');
    return revokeToken(await this.store(), args.host, await this.auditContext());
  }

  protected override renderHuman(token: BrokerToken): void {
    this.log(`Revoked the broker token of ${token.host} (${token.revokedAt}).`);
  }
}
