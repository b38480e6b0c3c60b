import { readFileSync, statSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { MpegflowError } from '../core/errors.ts';
import type { BrokerConnection } from '../core/broker/client.ts';

/** The flags of the commands that call a broker (a worker in broker mode, `broker status`). */
export const brokerFlags = {
  'broker-ca': Flags.string({
    description: "CA certificate (PEM) that signed the broker's certificate, when it is not one this host trusts",
    env: 'MPEGFLOW_BROKER_CA',
  }),
  'broker-token-file': Flags.string({
    description: "file (mode 0600) holding this host's broker token; default: MPEGFLOW_BROKER_TOKEN",
    env: 'MPEGFLOW_BROKER_TOKEN_FILE',
  }),
};

/** This host's token, from a file only its owner can read, or from MPEGFLOW_BROKER_TOKEN; never from the command line. */
function brokerToken(file: string | undefined, env: NodeJS.ProcessEnv): string {
  if (file) {
    let mode: number;
    let text: string;
    try {
      mode = statSync(file).mode;
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new MpegflowError(`cannot read the broker token file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
        code: 'INVALID_INPUT',
        suggestion: "check the path, and that the worker's user can read it",
      });
    }
    if (mode & 0o077) {
      throw new MpegflowError(`the broker token file ${file} can be read by others (mode ${(mode & 0o777).toString(8)})`, {
        code: 'INVALID_INPUT',
        suggestion: `chmod 600 ${file}: the token lets whoever holds it work as this host`,
      });
    }
    return text.trim();
  }
  const token = env.MPEGFLOW_BROKER_TOKEN?.trim();
  if (!token) {
    throw new MpegflowError('no broker token: neither --broker-token-file nor MPEGFLOW_BROKER_TOKEN gives one', {
      code: 'USAGE',
      suggestion: 'on the broker host, `mpegflow broker token add HOST` issues one for this host',
    });
  }
  return token;
}

export function brokerConnection(
  url: string,
  flags: { 'broker-ca'?: string; 'broker-token-file'?: string },
  env = process.env,
): BrokerConnection {
  let ca: Buffer | undefined;
  if (flags['broker-ca']) {
    try {
      ca = readFileSync(flags['broker-ca']);
    } catch (error) {
      throw new MpegflowError(
        `cannot read the broker's CA certificate ${flags['broker-ca']}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        {
          code: 'INVALID_INPUT',
          suggestion: 'give the PEM file of the CA that signed the broker’s certificate',
        },
      );
    }
  }
  return { url, ca, token: brokerToken(flags['broker-token-file'], env) };
}
