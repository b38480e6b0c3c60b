/** The S3 features MpegFlow relies on, and which of its features need each. */
export type CapabilityStatus = 'supported' | 'unsupported' | 'unknown';

export type CapabilityId =
  | 'object-io'
  | 'listing'
  | 'presigned-range'
  | 'presigned-if-match'
  | 'presigned-expiry'
  | 'multipart'
  | 'multipart-abort'
  | 'metadata'
  | 'server-side-copy'
  | 'versioning'
  | 'object-lock'
  | 'replication-api'
  | 'admin-api';

export interface Capability {
  id: CapabilityId;
  name: string;
  status: CapabilityStatus;
  /** What was observed: the answer, the error code, the reason it could not be told. */
  detail: string;
  /** MpegFlow features that rely on it. */
  neededBy: string[];
  /** Encoding to or from this store (encode, job submit + worker, verify) does not work without it. */
  requiredForEncoding: boolean;
}

export interface EndpointCapabilities {
  endpoint: string;
  url: string;
  /** The store's Server header, as it names itself (MinIO, SeaweedFS, ...), when it sends one. */
  server: string | null;
  /** Where the object probes ran. */
  scratch: { bucket: string; prefix: string; bucketCreated: boolean };
  /** Every feature marked requiredForEncoding is supported. */
  encodingReady: boolean;
  capabilities: Capability[];
  /** Whether everything the probes made is gone again. */
  cleanup: { ok: boolean; detail: string };
}

const ENCODE = 'encode (S3 sources and outputs)';
const WORKER = 'job submit + worker';
const VERIFY = 'verify';

/** The catalogue: each feature, what needs it, whether encoding needs it. */
export const CAPABILITIES: readonly Omit<Capability, 'status' | 'detail'>[] = [
  { id: 'object-io', name: 'Object write, read, delete', neededBy: [ENCODE, WORKER, VERIFY], requiredForEncoding: true },
  {
    id: 'listing',
    name: 'Listing (ListObjectsV2, prefixes, ETags)',
    neededBy: ['job submit --recursive', VERIFY],
    requiredForEncoding: true,
  },
  {
    id: 'presigned-range',
    name: 'Presigned GET with Range',
    neededBy: [
      "encode/worker: ffmpeg reads S3 sources, and seeks in them, through MpegFlow's loopback relay, which signs each ranged GET",
      'verify (per-frame checksums)',
    ],
    requiredForEncoding: true,
  },
  {
    id: 'presigned-if-match',
    name: 'Presigned GET with If-Match',
    neededBy: ['encode/worker: the source is pinned to the ETag probed, a replaced source is noticed'],
    requiredForEncoding: true,
  },
  {
    id: 'presigned-expiry',
    name: 'Presigned URL expiry (an expired URL is refused)',
    neededBy: ['each source read is signed for 15 minutes: a URL that leaks (a proxy log) stops working'],
    requiredForEncoding: false,
  },
  {
    id: 'multipart',
    name: 'Multipart upload (parallel parts)',
    neededBy: ['encode/worker outputs larger than one part', 'endpoint test --throughput'],
    requiredForEncoding: true,
  },
  {
    id: 'multipart-abort',
    name: 'Multipart abort and listing incomplete uploads',
    neededBy: ['encode/worker: clear leftovers of killed runs, leave none on failure or cancel'],
    requiredForEncoding: true,
  },
  {
    id: 'metadata',
    name: 'Content-Type and user metadata kept',
    neededBy: ['HLS/MP4 outputs served straight from the bucket (players need the right Content-Type)'],
    requiredForEncoding: false,
  },
  {
    id: 'server-side-copy',
    name: 'Server-side copy',
    neededBy: ['publishing an encode staged in the bucket (encode --force, queued jobs) without uploading it again'],
    requiredForEncoding: false,
  },
  {
    id: 'versioning',
    name: 'Bucket versioning',
    neededBy: ['replicate setup (versioning on both sides)', 'job submit: sources pinned by version id'],
    requiredForEncoding: false,
  },
  {
    id: 'object-lock',
    name: 'Object Lock (retention, legal hold)',
    neededBy: ['retention and legal hold on stored outputs (encode --retain, --legal-hold; routes with retention)'],
    requiredForEncoding: false,
  },
  {
    id: 'replication-api',
    name: 'Bucket replication API',
    neededBy: ['replicate setup/status/verify/remove (with the MinIO admin API for targets)'],
    requiredForEncoding: false,
  },
  {
    id: 'admin-api',
    name: 'MinIO admin API',
    neededBy: ['health', 'capacity', 'replicate setup (remote targets)', 'endpoint test (server info)'],
    requiredForEncoding: false,
  },
];
