import { Help, type Command, type Interfaces } from '@oclif/core';
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

/** One command as `help --json` describes it. */
export interface CommandHelp {
  /** As typed: `job submit`. */
  command: string;
  summary: string | null;
  description: string | null;
  args: { name: string; description: string | null; required: boolean }[];
  flags: FlagHelp[];
  examples: string[];
}

export interface FlagHelp {
  name: string;
  char: string | null;
  description: string | null;
  /** boolean: a switch; option: takes a value. */
  type: 'boolean' | 'option';
  default: string | number | boolean | string[] | null;
  required: boolean;
  multiple: boolean;
  /** The values an option takes, when it takes only some. */
  options: string[] | null;
  /** GLOBAL for the flags every command has (--json, --verbose). */
  group: string | null;
}

export interface HelpResult {
  commands: CommandHelp[];
}

const withBin = (text: string, bin: string) => text.replace(/<%=\s*config\.bin\s*%>/g, bin);

export function commandHelp(config: Interfaces.Config, command: Command.Loadable): CommandHelp {
  const text = (value: string | undefined) => (value ? withBin(value, config.bin) : null);
  return {
    command: command.id.replaceAll(':', ' '),
    summary: text(command.summary),
    description: text(command.description),
    args: Object.values(command.args).map((a) => ({ name: a.name, description: a.description ?? null, required: Boolean(a.required) })),
    flags: Object.values(command.flags)
      .filter((f) => !f.hidden)
      .map((f) => ({
        name: f.name,
        char: f.char ?? null,
        description: f.description ?? null,
        type: f.type,
        default: (f.default as FlagHelp['default'] | undefined) ?? null,
        required: Boolean(f.required),
        multiple: f.type === 'option' && Boolean(f.multiple),
        options: f.type === 'option' && f.options?.length ? [...f.options] : null,
        group: f.helpGroup ?? null,
      })),
    examples: (command.examples ?? []).map((e) => withBin(typeof e === 'string' ? e : e.command, config.bin)),
  };
}
