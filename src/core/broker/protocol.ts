import type { Job, JobState, LogEntry } from '../jobs/model.ts';
import type { FailedAttempt } from '../jobs/queue.ts';
import type { ObjectRequest } from '../s3/signer.ts';

/** The storage a brokered worker talks to: where it is and the CA its certificate chains to. No keys. */
export interface GrantedStore {
  url: string;
  region: string;
  caCert: string | null;
}

export interface RegisterRequest {
  workerId: string;
  pid: number;
  version: string;
  concurrency: number;
  leaseMs: number;
}

export interface RegisterAnswer {
  /** The licensed highest output resolution, in lines (the broker holds the license). */
  maxOutputLines?: number;
}

export interface ClaimAnswer {
  job: Job | null;
  stores: Record<string, GrantedStore>;
}

export interface LeaseRequest {
  generation: number;
  attempts: number;
}

/**
 * A request a worker asks the broker to sign: the names of the headers it carries (a copy source is refused),
 * and the values of those the grant binds (a checksum of the body, its type), which the store then checks.
 */
export type GrantRequest = Omit<ObjectRequest, 'headers'> & { headers?: string[]; signedHeaders?: Record<string, string> };

export interface GrantsRequest extends LeaseRequest {
  requests: GrantRequest[];
}

export interface Grant {
  url: string;
  /** When the store stops honouring it (ms since the epoch). */
  expiresAt: number;
  /** Headers the URL binds, to send as given. */
  headers: Record<string, string>;
}

export interface GrantsAnswer {
  /** One per request, in order. */
  grants: Grant[];
}

export interface UploadRecord extends LeaseRequest {
  alias: string;
  bucket: string;
  key: string;
  uploadId: string;
}

export interface FinishRequest extends LeaseRequest {
  result: Record<string, unknown>;
}

export interface FinishAnswer {
  outcome: 'published' | 'lost' | 'cancelled';
}

/** How the attempt ended, for the lease it was under. */
export type FailRequest = LeaseRequest & Omit<FailedAttempt, 'lease'>;

export interface FailAnswer {
  state: JobState | 'lost';
}

export interface LogRequest {
  lines: LogEntry[];
}

export interface BrokerStatusAnswer {
  startedAt: string;
  version: string;
  workers: { host: string; alive: number }[];
  grantsIssued: number;
  grantsRefused: number;
  requests: number;
}
