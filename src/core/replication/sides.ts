import type { Client } from 'minio';
import type { ResolvedEndpoint } from '../endpoints/model.ts';
import { resolveEndpoint } from '../endpoints/repository.ts';
import type { StorageResolver } from '../endpoints/storage.ts';
import type { Db } from '../store/open.ts';

/** One end of a replication rule: the endpoint (for MinIO's admin API) and its S3 client. */
export interface ReplicationSide {
  endpoint: ResolvedEndpoint;
  s3: Client;
}

/** Both ends of a replication rule, as setup, watch, verify and remove use them. */
export interface ReplicationSides {
  edge: ResolvedEndpoint;
  central: ResolvedEndpoint;
  edgeS3: Client;
  centralS3: Client;
}

/** One endpoint by name, resolved from the store, with the command's S3 client for it (made once per command). */
export async function resolveSide(db: Db, storage: Pick<StorageResolver, 's3For'>, name: string): Promise<ReplicationSide> {
  return { endpoint: await resolveEndpoint(db, name), s3: storage.s3For(name) };
}

/** The edge and central endpoints of a rule with their S3 clients; the edge is resolved first, so its problems are named first. */
export async function resolveSides(
  db: Db,
  storage: Pick<StorageResolver, 's3For'>,
  { edge, central }: { edge: string; central: string },
): Promise<ReplicationSides> {
  const e = await resolveSide(db, storage, edge);
  const c = await resolveSide(db, storage, central);
  return { edge: e.endpoint, central: c.endpoint, edgeS3: e.s3, centralS3: c.s3 };
}
