import os from 'node:os';
import path from 'node:path';

/** Where MpegFlow keeps its state: $MPEGFLOW_HOME, else $XDG_STATE_HOME/mpegflow, else ~/.local/state/mpegflow. */
export function stateHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MPEGFLOW_HOME) return path.resolve(env.MPEGFLOW_HOME);
  const xdg = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : undefined;
  return path.join(xdg ?? path.join(os.homedir(), '.local', 'state'), 'mpegflow');
}

export function stateFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateHome(env), 'state.db');
}
