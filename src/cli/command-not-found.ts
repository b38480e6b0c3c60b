import type { Hook, Interfaces } from '@oclif/core';
import { editDistance } from '../core/edit-distance.ts';
import { MpegflowError } from '../core/errors.ts';
import { errorDocument, renderErrorText } from './render-error.ts';

/** The visible command closest to `id`, when it is close enough to be what was meant. */
export function closestCommand(id: string, commandIds: readonly string[]): string | undefined {
  let best: { id: string; d: number } | undefined;
  for (const candidate of commandIds) {
    // compare with as many words as the candidate has: `endpont add e1` is compared as `endpont add`
    const typed = id.split(':').slice(0, candidate.split(':').length).join(':');
    const d = editDistance(typed, candidate);
    if (!best || d < best.d) best = { id: candidate, d };
  }
  return best && best.d <= Math.max(2, Math.floor(best.id.length / 3)) ? best.id : undefined;
}

/**
 * An unknown command is a usage error (exit 2), with a did-you-mean
 * suggestion. Only the words of the command are repeated, never the
 * arguments or flags that followed it (they may hold secrets).
 */
export function unknownCommandError(config: Interfaces.Config, id: string): MpegflowError {
  const visible = config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const suggestion = closestCommand(id, visible);
  const words = id.split(':');
  const topic = config.findTopic(words[0]!) ? words[0] : undefined;
  const shown = words.slice(0, suggestion ? suggestion.split(':').length : topic ? 2 : 1).join(' ');
  const help = `${config.bin} help${topic ? ` ${topic}` : ''}`;
  return new MpegflowError(`'${shown}' is not a ${config.bin} command`, {
    code: 'USAGE',
    suggestion: suggestion
      ? `did you mean \`${config.bin} ${suggestion.replaceAll(':', ' ')}\`? (\`${help}\` lists the commands)`
      : `\`${help}\` lists the commands`,
  });
}

/** The unknown command's error in MpegFlow's own `Error:` / `Try:` form, terminal or not; `--json` prints the error document. */
export function reportUnknownCommand(config: Interfaces.Config, id: string, argv: readonly string[] = []): void {
  const err = unknownCommandError(config, id);
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(errorDocument(err), null, 2)}\n`);
  else process.stderr.write(renderErrorText(err, { verbose: false }));
  process.exitCode = err.exitCode;
}

export const COMMAND_NOT_FOUND: Hook.CommandNotFound = async function (opts) {
  reportUnknownCommand(opts.config, opts.id, opts.argv);
};
