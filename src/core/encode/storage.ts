import type { Client } from 'minio';
import { listEndpoints, resolveEndpoint } from '../endpoints/repository.ts';
import { createS3Client } from '../endpoints/s3-client.ts';
import type { Db } from '../store/open.ts';

/** The configured endpoints as the encode pipeline needs them: which names are aliases, and an S3 client per alias (created once). */
export function endpointResolver(
  db: Db,
  env: NodeJS.ProcessEnv = process.env,
): { isAlias: (name: string) => boolean; s3For: (alias: string) => Client } {
  const names = new Set(listEndpoints(db).map((e) => e.name));
  const clients = new Map<string, Client>();
  return {
    isAlias: (name) => names.has(name),
    s3For: (alias) => {
      let client = clients.get(alias);
      if (!client) {
        client = createS3Client(resolveEndpoint(db, alias, env));
        clients.set(alias, client);
      }
      return client;
    },
  };
}
