import path from 'node:path';
import { after } from 'node:test';
import { openStore, type Db } from '../../src/core/store/open.ts';
import { tempHome } from './cli.ts';

/** A fresh, migrated state database per call, all in one temporary folder removed after the suite. */
export function freshStores(): () => Promise<Db> {
  const { home, cleanup } = tempHome('mpegflow-store-');
  let current: Db | undefined;
  let n = 0;
  after(async () => {
    await current?.close();
    cleanup();
  });
  return async () => {
    await current?.close();
    current = await openStore({ file: path.join(home, `state-${n++}.db`) });
    return current;
  };
}
