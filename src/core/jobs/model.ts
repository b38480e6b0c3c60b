import type { RetentionSpec } from '../routing/model.ts';

export const JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** What to encode: everything that decides whether two submissions are the same job. */
export interface JobSpec {
  /** As the operator wrote it: a local path or ALIAS/BUCKET/KEY. */
  source: string;
  /** The exact version of the source: ETag/version id for objects, size+mtime+inode for files. */
  sourceIdentity: string;
  preset: string;
  /** Set when the preset came from --preset-file rather than the catalog. */
  presetFile: string | null;
  presetHash: string;
  destination: string;
  priority: number;
  /** What a host needs to run it: `endpoint:NAME` for each endpoint it reads or writes, `host:NAME` for local files. */
  needs: string[];
  /** Who the encode is for and what kind of material it is (routing); null when not given. */
  customer?: string | null;
  class?: string | null;
  /** The routing rule that made the job. */
  route?: string | null;
  /** S3 Object Lock to set on the outputs when they are published. */
  retention?: RetentionSpec | null;
}

export interface Job extends JobSpec {
  id: number;
  jobKey: string;
  state: JobState;
  attempts: number;
  /** Attempts whose worker died, stalled past its lease or was stopped: they do not count against maxAttempts. */
  lostLeases: number;
  maxAttempts: number;
  notBefore: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  /** Goes up with every claim; only the holder of the current generation may publish. */
  leaseGeneration: number;
  cancelRequested: boolean;
  lastError: string | null;
  result: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The host that ran (or runs) the latest attempt. */
  lastHost: string | null;
}

export interface JobAttempt {
  attempt: number;
  worker: string;
  host: string | null;
  generation: number | null;
  startedAt: string;
  finishedAt: string | null;
  outcome: string | null;
  error: string | null;
}

export interface JobDetail extends Job {
  attemptsLog: JobAttempt[];
  /** Why a queued job is not running yet, when no worker can take it now. */
  waiting: string | null;
  logTail: { ts: string; line: string }[];
}

/** A log line with the time it happened (not the time it reached the store). */
export interface LogEntry {
  ts: string;
  line: string;
}
