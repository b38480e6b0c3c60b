import type { BrokerStatusAnswer } from '../core/broker/protocol.ts';
import type { BrokerToken, BrokerTokenAdded } from '../core/broker/tokens.ts';
import { renderFields, renderTable } from './table.ts';

export function renderTokenAdded({ host, token }: BrokerTokenAdded): string {
  return [
    `Broker token for ${host} (shown once; the broker keeps only its sha256):`,
    '',
    `  ${token}`,
    '',
    `On ${host}: put it in a file of mode 0600 for \`mpegflow worker --broker URL --broker-token-file FILE\`, or in MPEGFLOW_BROKER_TOKEN.`,
  ].join('\n');
}

export function renderTokens(tokens: BrokerToken[], tty = Boolean(process.stdout.isTTY)): string {
  if (tokens.length === 0) return 'No broker tokens. Issue one per worker host with `mpegflow broker token add HOST`.';
  return renderTable(
    ['HOST', 'STATE', 'CREATED', 'LAST USED'],
    tokens.map((t) => [t.host, t.revokedAt ? `revoked ${t.revokedAt}` : 'active', t.createdAt, t.lastUsedAt ?? '-']),
    tty,
  );
}

export function renderBrokerStatus(status: BrokerStatusAnswer & { url: string }, tty = Boolean(process.stdout.isTTY)): string {
  const lines = [
    renderFields([
      ['Broker', `${status.url} (reachable, mpegflow ${status.version}, up since ${status.startedAt})`],
      ['Grants', `${status.grantsIssued} issued, ${status.grantsRefused} refused`],
      ['Requests', status.requests],
    ]),
  ];
  if (status.workers.length > 0) {
    lines.push(
      '',
      renderTable(
        ['HOST', 'WORKERS ALIVE'],
        status.workers.map((w) => [w.host, w.alive]),
        tty,
      ),
    );
  }
  return lines.join('\n');
}
