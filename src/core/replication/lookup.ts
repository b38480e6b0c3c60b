import type { StorageResolver } from '../endpoints/storage.ts';
import { userError } from '../errors.ts';
import type { Db } from '../store/open.ts';
import { parseBucketRef } from './model.ts';
import { replicationRecords, type ReplicationRecord } from './records.ts';

/**
 * The rules MpegFlow set up from EDGE/BUCKET (every rule without one), only
 * those to CENTRAL/BUCKET when `target` is given; none is an error naming
 * what was asked for.
 */
export async function findRecords(
  db: Db,
  storage: Pick<StorageResolver, 'isAlias'>,
  { edge, target }: { edge?: string; target?: string },
): Promise<ReplicationRecord[]> {
  const ref = edge === undefined ? undefined : parseBucketRef(edge, storage.isAlias);
  const to = target === undefined ? undefined : parseBucketRef(target, storage.isAlias);
  const records = (await replicationRecords(db, { edge: ref?.endpoint, edgeBucket: ref?.bucket })).filter(
    (r) => !to || (r.central === to.endpoint && r.centralBucket === to.bucket),
  );
  if (records.length === 0)
    throw userError(
      `no replication set up by MpegFlow${edge ? ` for ${edge}` : ''}${target ? ` to ${target}` : ''}`,
      'set one up with `mpegflow replicate setup EDGE/BUCKET CENTRAL/BUCKET`; `mpegflow replicate list` shows rules made elsewhere',
      'NO_REPLICATION',
    );
  return records;
}
