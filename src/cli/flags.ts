import { Flags } from '@oclif/core';
import { usageError } from '../core/errors.ts';

/**
 * Flag and argument definitions that several commands share, so that one
 * rule holds everywhere.
 */

/**
 * A destination (`--to`): a local folder or ALIAS/BUCKET/PREFIX/. An empty or
 * blank value is refused rather than read as "not given": an unset `$DEST`
 * in a cron line must not write to the default destination.
 */
export function destinationFlag(description: string, options: { char?: 'o' } = {}) {
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
