import path from 'node:path';
import { after, before, describe } from 'node:test';
import { openStore, type Db } from '../../src/core/store/open.ts';
import { tempHome } from './cli.ts';
import { PostgresCluster } from './postgres.ts';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A new, empty, migrated store; closed after the suite. */
  fresh(): Promise<Db>;
  /** Another connection to the store `fresh()` made last (another process or host). */
  another(): Promise<Db>;
  /** Moves the stores' clock forward (leases, back-off). */
  advance(ms: number): void;
  cluster?: PostgresCluster;
}

/**
 * Runs one contract suite against SQLite and against a real PostgreSQL
 * cluster started for this file: queue, lease and audit semantics must hold
 * on both.
 */
export function forEachBackend(title: string, suite: (backend: Backend) => void): void {
  for (const name of ['sqlite', 'postgres'] as const) {
    describe(`${title} [${name}]`, () => {
      const shift = { ms: 0 };
      const clock = (t: number) => t + shift.ms;
      const opened: Db[] = [];
      const { home, cleanup } = tempHome(`mpegflow-${name}-`);
      let cluster: PostgresCluster | undefined;
      let n = 0;
      let last = '';
      const open = async (target: string) => {
        const db = await openStore(name === 'sqlite' ? { file: target, clock } : { databaseUrl: target, clock });
        opened.push(db);
        return db;
      };
      const backend: Backend = {
        name,
        fresh: async () => {
          shift.ms = 0;
          last = name === 'sqlite' ? path.join(home, `state-${n++}.db`) : await cluster!.createDatabase();
          return open(last);
        },
        another: () => open(last),
        advance: (ms) => (shift.ms += ms),
        get cluster() {
          return cluster;
        },
      };
      before(async () => {
        if (name === 'postgres') cluster = await PostgresCluster.start();
      });
      after(async () => {
        for (const db of opened) await db.close();
        await cluster?.stop();
        cleanup();
      });
      suite(backend);
    });
  }
}
