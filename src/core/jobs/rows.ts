import { hash } from 'node:crypto';
import type { RetentionSpec } from '../routing/model.ts';
import type { Job, JobSpec, JobState } from './model.ts';

export interface JobRow {
  id: number;
  source: string;
  source_identity: string;
  preset: string;
  preset_hash: string;
  preset_file: string | null;
  destination: string;
  job_key: string;
  priority: number;
  state: JobState;
  attempts: number;
  max_attempts: number;
  not_before: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  lease_generation: number;
  lost_leases: number;
  needs: string;
  cancel_requested: number;
  last_error: string | null;
  result: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  customer: string | null;
  class: string | null;
  route: string | null;
  retention: string | null;
  last_host?: string | null;
}

export function fromRow(row: JobRow): Job {
  return {
    id: Number(row.id),
    source: row.source,
    sourceIdentity: row.source_identity,
    preset: row.preset,
    presetHash: row.preset_hash,
    presetFile: row.preset_file,
    destination: row.destination,
    priority: Number(row.priority),
    needs: parseNeeds(row.needs),
    customer: row.customer ?? null,
    class: row.class ?? null,
    route: row.route ?? null,
    retention: row.retention ? (JSON.parse(row.retention) as RetentionSpec) : null,
    jobKey: row.job_key,
    state: row.state,
    attempts: Number(row.attempts),
    lostLeases: Number(row.lost_leases),
    maxAttempts: Number(row.max_attempts),
    notBefore: Number(row.not_before),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at === null ? null : Number(row.lease_expires_at),
    leaseGeneration: Number(row.lease_generation),
    cancelRequested: Number(row.cancel_requested) === 1,
    lastError: row.last_error,
    result: row.result ? (JSON.parse(row.result) as Record<string, unknown>) : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    lastHost: row.last_host ?? null,
  };
}

export const WITH_HOST =
  'SELECT jobs.*, (SELECT host FROM job_attempts a WHERE a.job_id = jobs.id ORDER BY attempt DESC LIMIT 1) AS last_host FROM jobs';

export const parseNeeds = (needs: string) => needs.split(',').filter(Boolean);
export const formatNeeds = (needs: readonly string[]) => `,${[...new Set(needs)].sort().join(',')}${needs.length ? ',' : ''}`;

/** Same source version, same preset definition, same destination: same job. */
export function jobKeyOf(spec: Pick<JobSpec, 'sourceIdentity' | 'presetHash' | 'destination'>): string {
  return hash('sha256', JSON.stringify([spec.sourceIdentity, spec.presetHash, spec.destination]));
}
