import type { Db } from '../store/open.ts';
import type { Job } from './model.ts';
import { listWorkers, type WorkerInfo } from './workers.ts';

/**
 * Why a queued job is not running, in an operator's words: backing off, no
 * worker alive, or no live worker able to run it (a missing endpoint secret,
 * local files on another host). Null when a worker should take it now.
 */
export async function whyWaiting(db: Db, job: Job): Promise<string | null> {
  if (job.state !== 'queued') return null;
  const now = await db.nowMs();
  if (job.notBefore > now) return `backing off after a failure until ${new Date(job.notBefore).toISOString()}`;
  const alive = (await listWorkers(db)).filter((w) => w.status === 'alive');
  if (alive.length === 0) return 'no worker is running: start one with `mpegflow worker` (or `mpegflow worker --drain` from cron)';
  const able = alive.filter((w) => job.needs.every((need) => canMeet(w, need)));
  if (able.length > 0) return null;
  const reasons = job.needs.filter((need) => !alive.some((w) => canMeet(w, need))).map(describeNeed);
  const who = alive.map((w) => w.host);
  return `no live worker can run it: ${reasons.join('; ')} (live workers on ${[...new Set(who)].join(', ')})`;
}

function canMeet(worker: WorkerInfo, need: string): boolean {
  if (need.startsWith('host:')) return worker.host === need.slice('host:'.length);
  if (need.startsWith('endpoint:')) return worker.endpoints.includes(need.slice('endpoint:'.length));
  return false;
}

function describeNeed(need: string): string {
  if (need.startsWith('host:')) return `its local files are on host ${need.slice('host:'.length)}, where no worker runs`;
  const endpoint = need.slice('endpoint:'.length);
  return `none holds the secret key of endpoint '${endpoint}' (give a host one with \`mpegflow endpoint add ${endpoint} --replace … --secret-key-stdin\`, then restart its worker)`;
}
