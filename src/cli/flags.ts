import { Args, Flags, type Interfaces } from '@oclif/core';
import { usageError } from '../core/errors.ts';
import { parseSeconds, spanSeconds } from '../core/time-span.ts';

/**
 * Flag and argument definitions that several commands share, so that one
 * rule holds everywhere.
 */

/**
 * A destination (`--to`): a local folder or ALIAS/BUCKET/PREFIX/. An empty or
 * blank value is refused rather than read as "not given": an unset `$DEST`
 * in a cron line must not write to the default destination.
 */
export function destinationFlag(description: string, options: { char?: 'o'; exclusive?: string[] } = {}) {
  return Flags.string({
    description,
    ...options,
    parse: async (value) => {
      if (value.trim() === '') {
        throw usageError(
          '--to is empty',
          'give a local folder or ALIAS/BUCKET/PREFIX/ (check the variable that should hold it), or leave --to out for the default destination',
        );
      }
      return value;
    },
  });
}

/**
 * A record id (job, audit entry): a positive whole number. Anything else
 * (`-1`, `NaN`, `abc`, `1.5`, beyond 2^53) is a usage error, exit 2.
 */
export function idArg(noun: string, listCommand: string, description: string) {
  return Args.custom<number>({
    parse: async (value) => {
      const id = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      if (!Number.isSafeInteger(id) || id < 1) {
        throw usageError(`${noun} id must be a positive whole number, not '${value}'`, `find the id with \`mpegflow ${listCommand}\``);
      }
      return id;
    },
  })({ description, required: true });
}

/**
 * A time span in seconds (timeouts, intervals, thresholds), written as
 * operators write one: 90, 90s, 2m, 1h30m. A bare number is seconds, so a
 * flag that once took whole seconds reads its old values alike.
 */
export function spanFlag({ description, default: byDefault }: { description: string; default: string }): Interfaces.OptionFlag<number> {
  return Flags.custom<number>({
    description: `${description} (e.g. 90s, 2m, 1h30m)`,
    helpValue: 'SPAN',
    multiple: false,
    default: spanSeconds(byDefault)!,
    defaultHelp: async () => byDefault,
    parse: async (value, _command, flag) => parseSeconds(value, `--${flag.name}`),
  })();
}
