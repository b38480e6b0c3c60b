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
