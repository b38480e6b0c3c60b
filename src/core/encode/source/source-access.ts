import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { Client } from 'minio';
import { MpegflowError } from '../../errors.ts';
import { signerOf } from '../../s3/client.ts';
import { headFailure } from '../../s3/errors.ts';
import { withRetry } from '../../retry.ts';
import type { ObjectLocation } from '../../endpoints/object-path.ts';
import { formatLocation } from '../../notation.ts';
import { type SourceIdentity } from '../outputs/manifest.ts';

import type { ProbeInput } from './probe.ts';
import { openSourceRelay, RELAY_INPUT_ARGS } from './source-relay.ts';
import { cannotRead, currentUser, errnoCode } from '../../user-file.ts';

/** Failures reading the source that a new attempt may cure (they are also `retryable` for the job queue). */

/** How long ffmpeg and ffprobe wait on a storage connection that has gone silent before the read fails. */
const DEFAULT_IO_TIMEOUT_S = 60;

/** Without it ffmpeg's HTTP input waits for ever on a server that accepts the connection and never answers. */
export function ioTimeoutArgs(seconds: number): string[] {
  return ['-rw_timeout', String(Math.round(seconds * 1_000_000))];
}

/** ffmpeg's HTTP input options: reconnect after drops and server errors, for up to `delayMax` seconds between tries. */
export function reconnectArgs(delayMaxSeconds: number): string[] {
  return [
    '-reconnect',
    '1',
    '-reconnect_streamed',
    '1',
    '-reconnect_on_network_error',
    '1',
    '-reconnect_on_http_error',
    '5xx',
    '-reconnect_delay_max',
    String(delayMaxSeconds),
    '-multiple_requests',
    '1',
  ];
}

function quoteArg(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  // control characters (a newline in a file name) are shown escaped, as bash's $'...' reads them
  if (/[\r\n\t]/.test(arg))
    return `$'${arg.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}'`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The ffmpeg command line as people may see it: the input shown by its path or ALIAS/BUCKET/KEY. */
export function displayCommand(file: string, args: string[], url: string, label: string): string {
  return [file, ...args.map((a) => (a === url ? label : a))].map(quoteArg).join(' ');
}

export async function identifySource(location: ObjectLocation, client: (alias: string) => Client): Promise<SourceIdentity> {
  const shown = formatLocation(location);
  const empty = () =>
    new MpegflowError(`cannot encode ${shown}: it is empty (0 bytes)`, {
      code: 'SOURCE_EMPTY',
      suggestion: 'the file was not copied completely; copy it again from its origin',
    });
  if (location.kind === 'local') {
    let info;
    try {
      info = await stat(location.path);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new MpegflowError(`cannot encode ${shown}: no such file`, {
          code: 'SOURCE_NOT_FOUND',
          suggestion: 'check the path (and quote names with spaces)',
        });
      }
      throw cannotRead(shown, error, { code: 'SOURCE_UNREADABLE', suggestion: 'check the file permissions' });
    }
    if (info.isDirectory()) {
      throw new MpegflowError(`cannot encode ${shown}: it is a folder`, {
        code: 'SOURCE_IS_FOLDER',
        suggestion: 'name one video file (a folder of sources is queued with `mpegflow job submit --recursive`)',
      });
    }
    if (!info.isFile()) {
      // a FIFO or device would make ffprobe wait or read without end
      throw new MpegflowError(`cannot encode ${shown}: it is not a regular file`, {
        code: 'SOURCE_UNREADABLE',
        suggestion: 'name a video file',
      });
    }
    try {
      await access(location.path, fsConstants.R_OK);
    } catch (error) {
      // said as such: ffprobe would only report the file as unreadable media
      throw new MpegflowError(`cannot read ${shown}: permission denied`, {
        code: 'SOURCE_UNREADABLE',
        suggestion: `check the file's permissions (\`ls -l\`): MpegFlow runs as ${currentUser()} and needs to read it`,
        cause: error,
      });
    }
    if (info.size === 0) throw empty();
    return { kind: 'local', path: location.path, size: info.size, modifiedAt: info.mtime.toISOString() };
  }
  let info;
  try {
    info = await withRetry(() => client(location.alias).statObject(location.bucket, location.key));
  } catch (error) {
    const mapped = await headFailure(error, { alias: location.alias, path: shown, action: 'read' }, () =>
      client(location.alias).getBucketVersioning(location.bucket),
    );
    if (mapped.code === 'OBJECT_NOT_FOUND') {
      throw new MpegflowError(`cannot encode ${shown}: no such object`, {
        code: 'SOURCE_NOT_FOUND',
        suggestion: mapped.suggestion,
        cause: error,
        details: mapped.details,
      });
    }
    throw mapped;
  }
  if (info.size === 0) throw empty();
  return {
    kind: 'remote',
    alias: location.alias,
    bucket: location.bucket,
    key: location.key,
    size: info.size,
    etag: info.etag,
    versionId: info.versionId ?? null,
    modifiedAt: new Date(info.lastModified).toISOString(),
  };
}

export interface SourceAccessOptions {
  source: ObjectLocation;
  reconnectDelayMaxSeconds?: number;
  ioTimeoutSeconds?: number;
  /** How long each request the relay forwards is signed for (see RelayedObject). */
  urlLifetimeSeconds?: number;
}

/** How ffmpeg opens the source, for as long as the encode runs; close() when it is done. */
export interface SourceAccess {
  /** The probe (`reconnect` false) fails fast; encodes ride out dropped connections. Both give up on a connection silent for the I/O timeout. */
  input(reconnect?: boolean): ProbeInput;
  close(): Promise<void>;
}

/** The file itself, or the object through a loopback relay pinned to the version identified (see openSourceRelay). */
export async function openSourceAccess(
  options: SourceAccessOptions,
  source: SourceIdentity,
  client: (alias: string) => Client,
): Promise<SourceAccess> {
  if (options.source.kind === 'local') {
    const input = { url: `file:${options.source.path}`, display: options.source.path };
    return { input: () => input, close: async () => undefined };
  }
  const loc = options.source;
  const remote = source as Extract<SourceIdentity, { kind: 'remote' }>;
  const relay = await openSourceRelay({
    signer: signerOf(client(loc.alias)),
    bucket: loc.bucket,
    key: loc.key,
    versionId: remote.versionId,
    etag: remote.etag,
    urlLifetimeSeconds: options.urlLifetimeSeconds,
  });
  return {
    input: (reconnect = true) => ({
      url: relay.url,
      display: formatLocation(loc),
      inputArgs: [
        ...RELAY_INPUT_ARGS,
        ...ioTimeoutArgs(options.ioTimeoutSeconds ?? DEFAULT_IO_TIMEOUT_S),
        ...(reconnect ? reconnectArgs(options.reconnectDelayMaxSeconds ?? 30) : []),
      ],
    }),
    close: () => relay.close(),
  };
}

/** The S3 client of an endpoint, from the caller's resolver; a remote path without one is a bug of the caller. */
export function clientFor(s3For: ((alias: string) => Client) | undefined): (alias: string) => Client {
  return (alias) => {
    if (!s3For) throw new MpegflowError(`no storage client for endpoint '${alias}'`, { code: 'NO_S3_CLIENT' });
    return s3For(alias);
  };
}
