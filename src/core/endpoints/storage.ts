import type { Client } from 'minio';
import type { Db } from '../store/open.ts';
import { resolveEndpoint } from './repository.ts';
import { createS3Client } from './s3-client.ts';

export interface StorageResolver {
  isAlias: (name: string) => boolean;
  /** One S3 client per endpoint for the life of the command. */
  s3For: (alias: string) => Client;
}

export function storageResolver(db: Db, env: NodeJS.ProcessEnv = process.env): StorageResolver {
  const names = new Set(
    db
      .prepare<[], { name: string }>('SELECT name FROM endpoints')
      .all()
      .map((r) => r.name),
  );
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
