import type { Endpoint } from '../core/endpoints/model.ts';
import { renderFields, renderTable } from './table.ts';

export function describeSecret(endpoint: Endpoint): string {
  if (endpoint.secretSource.kind === 'env') return `from $${endpoint.secretSource.variable}`;
  return endpoint.secretSource.kind === 'host' ? 'kept on each host (hidden)' : 'stored (hidden)';
}

function describeLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

export function renderEndpoint(endpoint: Endpoint): string {
  return renderFields([
    ['Name', endpoint.name],
    ['URL', endpoint.url],
    ['Access key', endpoint.accessKey],
    ['Secret key', describeSecret(endpoint)],
    ['Region', endpoint.region],
    ['CA certificate', endpoint.caCertPath],
    ['Role', endpoint.role],
    ['Labels', describeLabels(endpoint.labels)],
    ['Added', endpoint.createdAt],
    ['Updated', endpoint.updatedAt],
  ]);
}

export function renderEndpointTable(endpoints: Endpoint[]): string {
  return renderTable(
    ['NAME', 'URL', 'ROLE', 'ACCESS KEY', 'SECRET', 'CA', 'LABELS'],
    endpoints.map((e) => [e.name, e.url, e.role, e.accessKey, describeSecret(e), e.caCertPath ? 'custom' : null, describeLabels(e.labels)]),
  );
}
