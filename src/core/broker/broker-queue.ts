import { setTimeout as sleep } from 'node:timers/promises';
import { isMpegflowError } from '../errors.ts';
import { PublishError } from '../jobs/queue.ts';
import type { WorkerQueue } from '../jobs/worker-queue.ts';
import type { BrokerClient } from './client.ts';
import type { ClaimAnswer, FailAnswer, FinishAnswer, GrantedStore, RegisterAnswer } from './protocol.ts';

/**
 * The queue as a brokered worker sees it: every call goes to the broker, which holds the database and the
 * storage keys. The broker publishes (the `publish` a job hands back is never run here) and clears what
 * earlier attempts of a job left before handing it out. The stores of each claimed job are kept for its grants.
 */
export function brokerQueue(
  broker: BrokerClient,
  leaseMs: number,
): WorkerQueue & { storesOf(jobId: number): Record<string, GrantedStore>; maxOutputLines(): number | undefined } {
  const stores = new Map<number, Record<string, GrantedStore>>();
  let limits: RegisterAnswer = {};
  const lease = (l: { leaseGeneration: number; attempts: number }) => ({ generation: l.leaseGeneration, attempts: l.attempts });
  /** The broker says the lease is gone (taken over, expired): the worker hears it as the database would say it. */
  const unlessLost = async <T>(call: Promise<T>, lost: T): Promise<T> => {
    try {
      return await call;
    } catch (error) {
      if (isMpegflowError(error) && error.code === 'LEASE_LOST') return lost;
      throw error;
    }
  };
  return {
    clearsEarlierAttempts: true,
    storesOf: (jobId) => stores.get(jobId) ?? {},
    maxOutputLines: () => limits.maxOutputLines,
    register: async (worker) => {
      limits = await broker.call<RegisterAnswer>('POST', '/v1/workers', {
        workerId: worker.id,
        pid: worker.pid,
        version: worker.version,
        concurrency: worker.concurrency,
        leaseMs,
      });
    },
    heartbeat: async (id) => {
      await broker.call('POST', `/v1/workers/${encodeURIComponent(id)}/heartbeat`);
    },
    stop: async (id) => {
      await broker.call('POST', `/v1/workers/${encodeURIComponent(id)}/stop`);
    },
    count: async (id, outcome, bytesStored = 0) => {
      await broker.call('POST', `/v1/workers/${encodeURIComponent(id)}/count`, { outcome, bytesStored });
    },
    claim: async ({ worker }) => {
      const answer = await broker.call<ClaimAnswer>('POST', '/v1/claim', { workerId: worker, leaseMs });
      if (!answer.job) return undefined;
      stores.set(answer.job.id, answer.stores);
      return answer.job;
    },
    renew: (l, ms) =>
      unlessLost(broker.call('POST', `/v1/jobs/${l.id}/renew`, { ...lease(l), leaseMs: ms }), { held: false, cancelRequested: false }),
    publish: async (l, result) => {
      try {
        const lost: FinishAnswer = { outcome: 'lost' };
        return (await unlessLost(broker.call<FinishAnswer>('POST', `/v1/jobs/${l.id}/finish`, { ...lease(l), result }), lost)).outcome;
      } catch (error) {
        // putting the outputs in place failed at the broker: the attempt failed, not the queue
        if (isMpegflowError(error) && error.code === 'PUBLISH_FAILED') throw new PublishError(error.message, { cause: error });
        throw error;
      } finally {
        stores.delete(l.id);
      }
    },
    fail: async ({ lease: l, ...attempt }) => {
      stores.delete(l.id);
      return (await broker.call<FailAnswer>('POST', `/v1/jobs/${l.id}/fail`, { ...lease(l), ...attempt })).state;
    },
    appendLog: async (l, lines) => {
      await unlessLost(broker.call('POST', `/v1/jobs/${l.id}/log`, { ...lease(l), lines }), undefined);
    },
    recordUpload: async (l, upload) => {
      await broker.call('POST', `/v1/jobs/${l.id}/uploads`, { ...lease(l), ...upload });
    },
    forgetUpload: async (l, uploadId) => {
      await broker.call('POST', `/v1/jobs/${l.id}/uploads/${encodeURIComponent(uploadId)}/forget`, lease(l));
    },
    staleUploads: () => Promise.resolve([]),
    // a broker does not notify: the worker asks again after the poll interval
    waitForWork: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
  };
}
