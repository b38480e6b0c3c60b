/**
 * What scripts/build.mjs bundles into dist/mpegflow.js for oclif (the command registry, the help class, the
 * unknown-command hook), from src/ for runInProcess (in-process.ts). The registry starts empty: the runner
 * imports the command a run names before it runs, as the built CLI loads only that command's code, so a test
 * file does not load every command (0.6 s) for the few it runs. oclif lists the commands from the committed
 * oclif.manifest.json, as the built CLI does.
 */
export const COMMANDS: Record<string, unknown> = {};

export { COMMAND_NOT_FOUND } from '../../src/cli/command-not-found.ts';
export { MpegflowHelp as HELP } from '../../src/cli/help.ts';
