import { MpegflowError } from '../errors.ts';
import { checkObjectPath } from '../s3/paths.ts';

export interface ReplicateOptions {
  delete: boolean;
  deleteMarker: boolean;
  existingObjects: boolean;
  metadataSync: boolean;
}

/**
 * Defaults for edge ingest feeding a central encoder pool: carry what was
 * ingested before the rule existed (existing-objects), and never let an edge
 * clean-up (deleting local copies once they are safe at central) delete the
 * central copy: no delete, no delete-marker replication. Metadata sync only
 * matters for two-way setups.
 */
export const DEFAULT_REPLICATE: ReplicateOptions = { delete: false, deleteMarker: false, existingObjects: true, metadataSync: false };

export interface ReplicationSettings {
  prefix: string;
  replicate: ReplicateOptions;
  /** Bytes per second, or null for no limit. */
  bandwidth: number | null;
  sync: boolean;
  priority: number;
}

export interface BucketRef {
  endpoint: string;
  bucket: string;
}

export const formatRef = (ref: BucketRef) => `${ref.endpoint}/${ref.bucket}`;

export function ruleIdFor(central: BucketRef): string {
  return `mpegflow-to-${central.endpoint}-${central.bucket}`;
}

/** ALIAS/BUCKET, with ALIAS a configured endpoint. */
export function parseBucketRef(input: string, isAlias: (name: string) => boolean): BucketRef {
  const [endpoint = '', bucket = '', ...rest] = input.replace(/\/+$/, '').split('/');
  if (!isAlias(endpoint)) {
    throw new MpegflowError(`'${endpoint}' in '${input}' is not a configured endpoint`, {
      code: 'ENDPOINT_NOT_FOUND',
      suggestion: 'write ALIAS/BUCKET with ALIAS from `mpegflow endpoint list`',
    });
  }
  if (!bucket || rest.length > 0)
    throw new MpegflowError(`'${input}' is not ALIAS/BUCKET`, {
      code: 'USAGE',
      suggestion: 'name a bucket, not an object: e.g. edge1/ingest (use --prefix to narrow a rule)',
    });
  checkObjectPath(endpoint, bucket, '', input);
  return { endpoint, bucket };
}
