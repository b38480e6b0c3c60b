import { Help } from '@oclif/core';
import { reportUnknownCommand } from './command-not-found.ts';

/** oclif's help, except that `help NOSUCH` is refused as any unknown command is, not with oclif's own message. */
export class MpegflowHelp extends Help {
  override async showHelp(argv: string[]): Promise<void> {
    try {
      await super.showHelp(argv);
    } catch (error) {
      const unknown = /^Command (.+) not found\.$/.exec((error as Error).message);
      if (!unknown) throw error;
      reportUnknownCommand(this.config, unknown[1]!, argv);
    }
  }
}
