import type { Client } from 'minio';
import { runEncodeJob, classifyEncodeFailure } from '../jobs/encode-job.ts';
import type { EncodeWorkerDeps, EncodeWorkerRequest } from '../jobs/encode-worker.ts';
import type { Job } from '../jobs/model.ts';
import { runWorker, type JobOutcome, type WorkerResult } from '../jobs/worker.ts';
import { mpegflowVersion } from '../encode/outputs/manifest.ts';
import { grantedS3Client } from '../s3/client.ts';
import { brokerQueue } from './broker-queue.ts';
import type { BrokerClient } from './client.ts';
import { openGrantGateway, type GrantGateway } from './gateway.ts';
import { grantSigner } from './grant-signer.ts';
import type { GrantedStore } from './protocol.ts';

export type BrokeredWorkerDeps = Pick<EncodeWorkerDeps, 'onEvent' | 'onProgress' | 'interruptible'> & { broker: BrokerClient };

/**
 * `mpegflow worker --broker URL`: the same worker, with the broker as its queue and every storage request
 * signed by the broker's grants for the job at hand. The host holds no storage key and no database URL;
 * the broker holds the license, and publishes.
 */
export async function runBrokeredWorker(request: EncodeWorkerRequest, deps: BrokeredWorkerDeps): Promise<WorkerResult> {
  const leaseMs = request.leaseSeconds * 1000;
  const queue = brokerQueue(deps.broker, leaseMs);
  return deps.interruptible((signal) =>
    runWorker({
      queue,
      concurrency: request.concurrency,
      drain: request.drain,
      maxJobs: request.maxJobs,
      leaseMs,
      pollMs: request.pollSeconds * 1000,
      backoffBaseMs: request.backoffSeconds * 1000,
      signal,
      version: mpegflowVersion(),
      classify: classifyEncodeFailure,
      execute: (job, context) =>
        withGrantedStores(deps.broker, job, queue.storesOf(job.id), async (s3For, isAlias) => {
          const { result } = await runEncodeJob(job, context, {
            isAlias,
            s3For,
            workDir: request.workDir,
            maxOutputLines: queue.maxOutputLines(),
            onProgress: deps.onProgress,
          });
          // publishing and discarding are the broker's, with its keys: the worker hands back the result alone
          return { result };
        }),
      onEvent: deps.onEvent,
    }),
  );
}

/** An S3 client per store of the job, each signing through the job's grants, for as long as `work` runs. */
async function withGrantedStores(
  broker: BrokerClient,
  job: Job,
  stores: Record<string, GrantedStore>,
  work: (s3For: (alias: string) => Client, isAlias: (name: string) => boolean) => Promise<JobOutcome>,
): Promise<JobOutcome> {
  const gateways: GrantGateway[] = [];
  const signers: { close(): void }[] = [];
  const clients = new Map<string, Client>();
  try {
    for (const [alias, store] of Object.entries(stores)) {
      const signer = grantSigner(broker, { jobId: job.id, generation: job.leaseGeneration, attempts: job.attempts }, store);
      signers.push(signer);
      const gateway = await openGrantGateway(signer);
      gateways.push(gateway);
      clients.set(alias, grantedS3Client(gateway, signer, store.region));
    }
    return await work(
      (alias) => clients.get(alias)!,
      (name) => clients.has(name),
    );
  } finally {
    await Promise.all(gateways.map((g) => g.close()));
    for (const signer of signers) signer.close();
  }
}
