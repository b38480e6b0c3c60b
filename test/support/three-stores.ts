import { startSingleDrive, type Deployment } from './minio.ts';
import { startMotoServer } from './moto.ts';
import { startSeaweedFs, type SeaweedServer } from './seaweedfs.ts';

type MotoServer = Awaited<ReturnType<typeof startMotoServer>>;

/**
 * A MinIO, moto and SeaweedFS started at once. When one fails to start, the ones that did are stopped before
 * the failure is thrown: left running, their processes would keep the test file from ever exiting.
 */
export async function startThreeStores(): Promise<{ minio: Deployment; moto: MotoServer; weed: SeaweedServer | undefined }> {
  const [minio, moto, weed] = await Promise.allSettled([startSingleDrive(), startMotoServer(), startSeaweedFs()]);
  if (minio.status === 'fulfilled' && moto.status === 'fulfilled' && weed.status === 'fulfilled')
    return { minio: minio.value, moto: moto.value, weed: weed.value };
  await Promise.all([minio, moto, weed].map((started) => (started.status === 'fulfilled' ? started.value?.stop() : undefined)));
  throw [minio, moto, weed].find((started) => started.status === 'rejected')!.reason;
}
