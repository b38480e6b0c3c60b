import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.ts';
import { unknownCommandError } from '../cli/command-not-found.ts';
import { commandHelp, MpegflowHelp, type HelpResult } from '../cli/help.ts';

export default class HelpCommand extends BaseCommand<HelpResult> {
  static override summary = 'How to use mpegflow, a topic or a command.';
  static override description =
    'With --json: each command under what was asked (every command without it), with its summary, description, arguments, flags and examples, for scripts and for documentation kept at an air-gapped site.';
  static override examples = [
    '<%= config.bin %> help job submit',
    '<%= config.bin %> help replicate',
    '<%= config.bin %> help replicate watch --json',
  ];
  static override strict = false;
  static override args = { command: Args.string({ description: 'a topic or a command, as typed (e.g. job submit)' }) };

  protected async execute(): Promise<HelpResult> {
    const { argv } = await this.parse(HelpCommand);
    const words = (argv as string[]).filter((word) => !word.startsWith('-'));
    const id = words.join(':');
    const exact = id ? this.config.findCommand(id) : undefined;
    if (id && !exact && !this.config.findTopic(id)) throw unknownCommandError(this.config, id);
    if (!this.jsonEnabled()) await new MpegflowHelp(this.config).showHelp(words);
    const commands = exact ? [exact] : this.config.commands.filter((c) => !c.hidden && (!id || c.id.startsWith(`${id}:`)));
    return { commands: commands.sort((a, b) => a.id.localeCompare(b.id)).map((c) => commandHelp(this.config, c)) };
  }
}
