import type { Client } from 'minio';
import { usageError } from '../../errors.ts';
import type { RetentionSpec } from '../../routing/model.ts';
import { applyRetention, objectRetention, type RetentionSet } from '../../routing/retention.ts';
import { requireObjectLock, type PublishLock } from '../../s3/object-lock.ts';
import type { EncodeResult } from './encode-result.ts';
import { MANIFEST_NAME, outputKey, type DestinationLocation } from './locations.ts';

/**
 * `encode --retain`/`--legal-hold`: locks the outputs as they are published
 * (the period starts with the first lock) and tallies what it set, for the
 * result and the audit entry.
 */
export class RetentionLock {
  readonly #client: Client;
  readonly #destination: Extract<DestinationLocation, { kind: 'remote' }>;
  readonly #retention: RetentionSpec;
  #from: Date | undefined;
  #set: RetentionSet | null = null;

  private constructor(client: Client, destination: Extract<DestinationLocation, { kind: 'remote' }>, retention: RetentionSpec) {
    this.#client = client;
    this.#destination = destination;
    this.#retention = retention;
  }

  /**
   * Refused before any encode starts: retention needs a destination in a
   * bucket with Object Lock, which a bucket gets only when it is made.
   */
  static async prepare(
    retention: RetentionSpec,
    destination: DestinationLocation,
    s3For: (alias: string) => Client,
  ): Promise<RetentionLock> {
    if (destination.kind !== 'remote')
      throw usageError('--retain and --legal-hold need a destination in a bucket with Object Lock', 'write --to ALIAS/BUCKET/PREFIX/');
    await requireObjectLock(s3For(destination.alias), destination.alias, destination.bucket);
    return new RetentionLock(s3For(destination.alias), destination, retention);
  }

  /** What was set so far; null before anything was locked. */
  get set(): RetentionSet | null {
    return this.#set;
  }

  /** Locks the outputs as they are published, and the manifest as it is written; the period starts with the first. */
  readonly lock: PublishLock = {
    objects: async (keys) => {
      const { alias, bucket } = this.#destination;
      const until = await applyRetention(this.#client, alias, bucket, keys, this.#retention, this.#start());
      this.#tally(until, keys.length);
    },
    onWrite: () => {
      const lock = objectRetention(this.#retention, this.#start());
      this.#tally(lock.retainUntil, 1);
      return lock;
    },
  };

  #start(): Date {
    return (this.#from ??= new Date());
  }

  #tally(until: string | null, objects: number): void {
    this.#set = {
      mode: this.#retention.retain ? this.#retention.mode : null,
      retainUntil: until,
      legalHold: this.#retention.legalHold,
      objects: (this.#set?.objects ?? 0) + objects,
    };
  }

  /** An encode skipped as published by an earlier run, which may have stopped before its retention was set: its outputs and manifest are locked now. */
  async lockSkipped(result: EncodeResult): Promise<void> {
    if (result.status !== 'skipped') return;
    const { prefix } = this.#destination;
    await this.lock.objects([...result.outputs.map((o) => outputKey(prefix, o.name)), outputKey(prefix, MANIFEST_NAME)]);
  }
}
