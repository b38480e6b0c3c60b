import type { DestinationLocation } from '../encode/outputs/locations.ts';
import { MANIFEST_NAME, outputKey } from '../encode/outputs/locations.ts';
import type { ObjectLocation } from '../endpoints/object-path.ts';
import type { ObjectRequest } from '../s3/signer.ts';

/** What one lease of one job may do on the store, as the broker judges each request a worker asks it to sign. */
export interface JobScope {
  /** The source object, and the version the job was submitted for (when the bucket keeps versions). */
  source: Extract<ObjectLocation, { kind: 'remote' }> | null;
  sourceVersionId: string | null;
  /** The published location: only its manifest may be read (whether an earlier attempt finished). */
  destination: Extract<DestinationLocation, { kind: 'remote' }> | null;
  /** This lease generation's own staging: the worker writes its outputs here, and nowhere else. */
  staging: Extract<DestinationLocation, { kind: 'remote' }> | null;
  /** Multipart uploads this lease started (recorded through the broker): parts, completion and abort only for these. */
  uploads: ReadonlySet<string>;
}

/**
 * A presigned URL does not bind headers it was not signed with, and a PUT with an added x-amz-copy-source
 * header is a server-side copy of any object the broker's key reads (checked on MinIO: it copies). So every
 * PUT is signed with a copy precondition no object meets: a plain upload ignores it, a copy fails (412).
 */
export const COPY_GUARD = { 'x-amz-copy-source-if-match': '"00000000000000000000000000000000"' };

/** Headers of an upload a grant may bind as the worker gives them: what describes or checks its body, nothing that locks, encrypts or copies. */
export function isBindableHeader(name: string): boolean {
  return /^(content-(type|md5|encoding|disposition|language)|cache-control|x-amz-checksum-(crc32|crc32c|sha1|sha256)|x-amz-meta-[\w-]+)$/.test(
    name,
  );
}

export type ScopeVerdict = { allowed: true; alias: string } | { allowed: false; reason: string };

const refuse = (reason: string): ScopeVerdict => ({ allowed: false, reason });

const LIST_OBJECTS = new Set([
  'list-type',
  'prefix',
  'continuation-token',
  'delimiter',
  'max-keys',
  'start-after',
  'encoding-type',
  'fetch-owner',
]);
const LIST_UPLOADS = new Set(['uploads', 'prefix', 'delimiter', 'max-uploads', 'key-marker', 'upload-id-marker', 'encoding-type']);

/**
 * Whether a request falls inside the job's scope. Presigned grants bind the method, the bucket, the key and
 * the query (an upload id, a part number, a version): the store refuses any other use of the URL. Headers a
 * URL does not bind are refused here when they would widen it (a server-side copy reads another object).
 */
export function judgeRequest(scope: JobScope, request: ObjectRequest): ScopeVerdict {
  const query = request.query ?? {};
  const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  if ('x-amz-copy-source' in headers) return refuse('server-side copies are the broker’s to make, when it publishes');
  const { source, staging, destination } = scope;

  if (source && request.bucket === source.bucket && request.key === source.key) {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(`the source may only be read, not ${request.method}`);
    if (Object.keys(query).some((name) => name !== 'versionId')) return refuse('only the object itself may be read from the source');
    // a HEAD of the latest version says which version is there now; its bytes are read only as submitted
    const latestHead = request.method === 'HEAD' && query.versionId === undefined;
    if (scope.sourceVersionId && !latestHead && query.versionId !== scope.sourceVersionId)
      return refuse(`only version ${scope.sourceVersionId} of the source, the one submitted, may be read`);
    return { allowed: true, alias: source.alias };
  }

  if (staging && request.bucket === staging.bucket && request.key.startsWith(`${staging.prefix}/`)) {
    const uploadId = query.uploadId;
    if (uploadId !== undefined && !scope.uploads.has(uploadId)) return refuse('that multipart upload is not one this lease started');
    const names = Object.keys(query).sort().join(',');
    const allowedQueries: Record<string, string[]> = {
      GET: ['', 'uploadId'],
      HEAD: [''],
      PUT: ['', 'partNumber,uploadId'],
      POST: ['uploads', 'uploadId'],
      DELETE: ['', 'uploadId'],
    };
    if (!allowedQueries[request.method]!.includes(names)) return refuse(`${request.method} ?${names} is not a request an encode makes`);
    return { allowed: true, alias: staging.alias };
  }

  // listing its own staging, or its own multipart uploads there (the prefix is part of what a URL binds)
  if (
    staging &&
    request.bucket === staging.bucket &&
    request.key === '' &&
    request.method === 'GET' &&
    (query.prefix ?? '').startsWith(`${staging.prefix}/`)
  ) {
    const listing = 'uploads' in query ? LIST_UPLOADS : LIST_OBJECTS;
    if (Object.keys(query).every((name) => listing.has(name))) return { allowed: true, alias: staging.alias };
  }

  if (
    destination &&
    request.bucket === destination.bucket &&
    request.key === outputKey(destination.prefix, MANIFEST_NAME) &&
    (request.method === 'GET' || request.method === 'HEAD') &&
    Object.keys(query).length === 0
  )
    return { allowed: true, alias: destination.alias };

  const search = new URLSearchParams(query).toString();
  return refuse(
    `${request.method} ${request.bucket}/${request.key}${search ? `?${search}` : ''} is outside the job's source and its staging`,
  );
}
