import os from 'node:os';

/** This host's name in a pool: $MPEGFLOW_HOST_NAME (containers often get random host names), else the system's. */
export function hostName(env: NodeJS.ProcessEnv = process.env): string {
  return env.MPEGFLOW_HOST_NAME?.trim() || os.hostname();
}
