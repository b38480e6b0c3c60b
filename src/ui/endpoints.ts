import type { Endpoint } from '../core/endpoints/model.ts';
import type { EndpointTestOutput } from '../core/endpoints/probe.ts';
import type { ImportResult } from '../core/endpoints/repository.ts';
import { renderThroughput } from './throughput.ts';
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

function renderEndpointTable(endpoints: Endpoint[], tty = Boolean(process.stdout.isTTY)): string {
  return renderTable(
    ['NAME', 'URL', 'ROLE', 'ACCESS KEY', 'SECRET', 'CA', 'LABELS'],
    endpoints.map((e) => [e.name, e.url, e.role, e.accessKey, describeSecret(e), e.caCertPath ? 'custom' : null, describeLabels(e.labels)]),
    tty,
  );
}

/** `endpoint list`, or how to add the first one. */
export function renderEndpointList(endpoints: Endpoint[], tty = Boolean(process.stdout.isTTY)): string {
  if (endpoints.length === 0)
    return 'No endpoints yet. Add one with `mpegflow endpoint add NAME --url URL --access-key KEY --secret-key-stdin`.';
  return renderEndpointTable(endpoints, tty);
}

/** `endpoint add`: what was saved, where its secret lives (`secretsFile`, this host's), and how to test it. */
export function renderEndpointSaved(endpoint: Endpoint, secretsFile: string): string {
  const lines = [`Endpoint '${endpoint.name}' saved.`];
  if (endpoint.secretSource.kind === 'host') {
    lines.push(
      `The secret key was stored on this host only (${secretsFile}); the pool's shared database holds no secret. Give each host that uses '${endpoint.name}' its own the same way.`,
    );
  }
  lines.push(renderEndpoint(endpoint), `\nTest it with: mpegflow endpoint test ${endpoint.name}`);
  return lines.join('\n');
}

/** `endpoint remove`. */
export function renderEndpointRemoved(endpoint: Endpoint): string {
  return `Endpoint '${endpoint.name}' (${endpoint.url}) removed.`;
}

/** `endpoint test`: a verdict, the checks, and the throughput when it was measured. */
export function renderEndpointTest(result: EndpointTestOutput, tty = Boolean(process.stdout.isTTY)): string {
  const lines = [
    `${result.endpoint} (${result.url}): ${result.ok ? 'OK' : 'PROBLEMS'}`,
    renderTable(
      ['CHECK', 'RESULT', 'DETAIL'],
      result.checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', c.detail]),
      tty,
    ),
  ];
  if (result.throughput) lines.push(`\n${renderThroughput(result.throughput, tty)}`);
  return lines.join('\n');
}

/** `endpoint import`: what was imported, and each alias skipped with why. */
export function renderEndpointImport({ imported, skipped }: ImportResult, tty = Boolean(process.stdout.isTTY)): string {
  const lines = [
    `Imported ${imported.length} endpoint${imported.length === 1 ? '' : 's'}${imported.length ? `: ${imported.map((e) => e.name).join(', ')}` : ''}.`,
  ];
  if (skipped.length > 0)
    lines.push(
      '\nSkipped:',
      renderTable(
        ['ALIAS', 'WHY'],
        skipped.map((s) => [s.name, s.reason]),
        tty,
      ),
    );
  return lines.join('\n');
}
