import type { Capability, CapabilityStatus, EndpointCapabilities } from '../core/endpoints/capability-catalogue.ts';
import { renderTable } from './table.ts';

const STATUS_TEXT: Record<CapabilityStatus, string> = {
  supported: 'supported',
  unsupported: 'NOT SUPPORTED',
  unknown: 'could not tell',
};

/** One line per probe as it finishes, for stderr. */
export function renderProbeLine(capability: Capability): string {
  return `${capability.name}: ${STATUS_TEXT[capability.status]}`;
}

/** The capability table of `endpoint check`, with a verdict for encoding on top and the clean-up below. */
export function renderCapabilities(result: EndpointCapabilities, tty = Boolean(process.stdout.isTTY)): string {
  const blocking = result.capabilities.filter((c) => c.requiredForEncoding && c.status !== 'supported');
  const verdict = result.encodingReady
    ? 'every feature encoding needs works'
    : `encoding will not work reliably: ${blocking.map((c) => `${c.name} (${STATUS_TEXT[c.status]})`).join(', ')}`;
  const lines = [
    `${result.endpoint} (${result.url})${result.server ? `, server: ${result.server}` : ''}: ${verdict}`,
    renderTable(
      ['FEATURE', 'RESULT', 'MPEGFLOW NEEDS IT FOR', 'DETAIL'],
      result.capabilities.map((c) => [
        `${c.name}${c.requiredForEncoding ? ' *' : ''}`,
        STATUS_TEXT[c.status],
        c.neededBy.join('; '),
        c.detail,
      ]),
      tty,
    ),
    '* needed for encoding (encode, job submit + worker, verify)',
    `Probed in ${result.scratch.bucket}/${result.scratch.prefix}${result.scratch.bucketCreated ? ' (a throwaway bucket)' : ''}; clean-up: ${result.cleanup.detail}`,
  ];
  return lines.join('\n');
}
