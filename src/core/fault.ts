/**
 * Named points where a test kills this process (MPEGFLOW_FAULT=NAME), as a
 * power cut or an OOM kill would, to prove what a crash there leaves behind.
 */
export function faultPoint(name: string): void {
  if (process.env.MPEGFLOW_FAULT === name) process.kill(process.pid, 'SIGKILL');
}
