import type { Client } from 'minio';
import type { Db } from '../store/open.ts';
import { endpointNotFound, listEndpointRows, resolveRow } from './repository.ts';
import { createS3Client } from '../s3/client.ts';

export interface StorageResolver {
  isAlias: (name: string) => boolean;
  /** The configured endpoints' names, for suggestions. */
  aliases: readonly string[];
  /** One S3 client per endpoint for the life of the command. */
  s3For: (alias: string) => Client;
}

/** Reads every endpoint once (secrets resolved when first used), so clients are made without going back to the store. */
export async function storageResolver(db: Db, env: NodeJS.ProcessEnv = process.env): Promise<StorageResolver> {
  const rows = new Map((await listEndpointRows(db)).map((r) => [r.name, r]));
  const clients = new Map<string, Client>();
  return {
    isAlias: (name) => rows.has(name),
    aliases: [...rows.keys()].sort(),
    s3For: (alias) => {
      let client = clients.get(alias);
      if (!client) {
        const row = rows.get(alias);
        if (!row) throw endpointNotFound(alias);
        client = createS3Client(resolveRow(row, env));
        clients.set(alias, client);
      }
      return client;
    },
  };
}
