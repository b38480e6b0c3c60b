import { capOutputLines } from './output-cap.ts';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from 'minio';
import type { MultipartHooks } from './s3.ts';
import { MpegflowError } from '../errors.ts';
import { headFailure, storageFailure as mapStorageFailure } from '../storage-errors.ts';
import { withRetry } from '../retry.ts';
import type { ObjectLocation } from '../endpoints/object-path.ts';
import { formatLocation } from '../endpoints/object-path.ts';
import { formatDestination, MANIFEST_NAME, outputPath, type DestinationLocation } from './locations.ts';
import { mpegflowVersion, sameEncode, type Manifest, type OutputRecord, type SourceIdentity } from './manifest.ts';
import { planEncode, spriteVtt, type EncodePlan, type FfmpegPass, type RenditionPlan } from './plan.ts';
import type { Preset } from './preset-model.ts';
import { cancelledError, probeSource, rationalValue, type ProbeInput, type ProbeResult } from './probe.ts';
import { createProgressParser, progressFigures, safeListener, type EncodeProgressEvent, type ProgressListener } from './progress.ts';
import { LocalSink, RemoteSink, removeTree, type OutputSink, type SinkEvents } from './sink.ts';
import { destinationManifest } from './staging.ts';
import { defaultTools, lastLines, runTool, tlsArgs, toolVersions, type Tools } from './tools.ts';

export interface RunEncodeOptions {
  source: ObjectLocation;
  preset: Preset;
  /** A local folder or a bucket prefix; see `defaultDestination()` / `destinationFrom()`. */
  destination: DestinationLocation;
  /**
   * Scratch space for ffmpeg's outputs before they are stored. Default: a
   * hidden staging folder beside a local destination (so outputs move in by
   * rename), or the system temp folder for a remote destination.
   */
  workDir?: string;
  /** An S3 client for an endpoint alias (needed when the source or destination is remote). */
  s3For?: (alias: string) => Client;
  onProgress?: ProgressListener;
  /** Aborting kills ffmpeg (and its children), aborts incomplete uploads, and leaves no manifest. */
  signal?: AbortSignal;
  now?: () => Date;
  /**
   * The destination already holds a manifest: `skip` returns it when it
   * records this source version and preset definition (and fails otherwise),
   * `overwrite` re-encodes, `fail` refuses. Default `skip`.
   */
  ifExists?: 'skip' | 'overwrite' | 'fail';
  tools?: Tools;
  /** Objects uploaded at once (default 4); parts in flight per multipart object (default 4); part size (default 8 MiB). */
  uploadConcurrency?: number;
  partConcurrency?: number;
  partSize?: number;
  /**
   * Lifetime of the presigned source URL; default estimated from the duration
   * (15 min to 7 days). A function gets the attempt number (the probe is attempt 0).
   */
  presignExpirySeconds?: number | ((context: { attempt: number; durationSeconds: number }) => number);
  /** The licensed highest output resolution, in lines (see license entitlements); none by default. */
  maxOutputLines?: number;
  /** Encode attempts for a remote source (a fresh URL each time); default 3. */
  maxAttempts?: number;
  /** How long ffmpeg keeps reconnecting to a dropped source before the attempt fails (seconds, default 30). */
  reconnectDelayMaxSeconds?: number;
  /**
   * The PEM file of the private CA an endpoint's certificate is signed by, if
   * any. ffmpeg verifies the certificate of an https source (against this
   * file, else the system's trust store); ffmpeg itself does not by default.
   */
  caFileFor?: (alias: string) => string | null | undefined;
  multipart?: MultipartHooks;
  /** Where a finished encode is recorded, when it differs from `destination` (a queued job encodes into staging). */
  manifestAt?: DestinationLocation;
}

export interface EncodeResult {
  status: 'done' | 'skipped';
  source: SourceIdentity;
  destination: string;
  manifest: string;
  preset: Manifest['preset'];
  durationSeconds: number;
  renditions: RenditionPlan[];
  outputs: OutputRecord[];
  bytesStored: number;
  attempts: number;
  timings: Manifest['timings'];
}

/** Failures reading the source that a new attempt with a fresh URL may cure (they are also `retryable` for the job queue). */
const RETRYABLE = new WeakSet<MpegflowError>();
const retryable = (error: MpegflowError): MpegflowError => (RETRYABLE.add(error), error);

const MIN_EXPIRY_S = 15 * 60;
const MAX_EXPIRY_S = 7 * 24 * 3600;

/** A URL lifetime covering the expected encode: 15 min plus 4x the duration, at most 7 days (the S3 limit). */
export function presignExpiry(durationSeconds: number): number {
  return Math.min(MAX_EXPIRY_S, Math.max(MIN_EXPIRY_S, Math.ceil(MIN_EXPIRY_S + durationSeconds * 4)));
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
    '-rw_timeout',
    '60000000',
    '-multiple_requests',
    '1',
  ];
}

function quoteArg(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  // control characters (the CRLF of -headers) are shown escaped, as bash's $'...' reads them
  if (/[\r\n\t]/.test(arg))
    return `$'${arg.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}'`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The ffmpeg command line as people may see it: the input shown by its path or ALIAS/BUCKET/KEY. */
export function displayCommand(file: string, args: string[], url: string, label: string): string {
  return [file, ...args.map((a) => (a === url ? label : a))].map(quoteArg).join(' ');
}

function diskFull(where: string, cause?: unknown): MpegflowError {
  return new MpegflowError(`no space left on the device holding ${where}`, {
    code: 'WORK_DISK_FULL',
    suggestion: 'free space there, or point --work-dir at a folder on a larger disk; the source and any earlier outputs were not touched',
    cause,
  });
}

function tlsUntrusted(details: Record<string, unknown>): MpegflowError {
  return new MpegflowError('ffmpeg could not verify the TLS certificate of the storage endpoint', {
    code: 'SOURCE_TLS_UNTRUSTED',
    suggestion:
      "give the endpoint its private CA (`mpegflow endpoint add NAME --replace --ca-cert FILE ...`), or fix the server's certificate",
    details,
  });
}

function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function identifySource(location: ObjectLocation, client: (alias: string) => Client): Promise<SourceIdentity> {
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
      throw new MpegflowError(`cannot read ${shown}: ${code ?? String(error)}`, {
        code: 'SOURCE_UNREADABLE',
        suggestion: 'check the file permissions',
        cause: error,
      });
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

function workFolderFor(options: RunEncodeOptions): string {
  const suffix = randomBytes(4).toString('hex');
  if (options.workDir) return path.join(path.resolve(options.workDir), `mpegflow-encode-${suffix}`);
  if (options.destination.kind === 'local') {
    const dest = options.destination.path;
    return path.join(path.dirname(dest), `.${path.basename(dest)}.mpegflow-partial-${suffix}`);
  }
  return path.join(os.tmpdir(), `mpegflow-encode-${suffix}`);
}

/** Marks a work folder with the process that owns it, so a later run can tell a dead run's leftovers from a live one. */
const OWNER_FILE = '.mpegflow-owner';

async function claimWorkFolder(workDir: string): Promise<void> {
  await mkdir(workDir, { recursive: true });
  await writeFile(path.join(workDir, OWNER_FILE), JSON.stringify({ pid: process.pid, host: os.hostname() }));
}

/**
 * Removes work folders beside this one left by runs that were killed (kill -9,
 * power loss): same naming, owned by a process of this host that is gone.
 * Folders of live runs, of other hosts, or without an owner file are left alone.
 */
async function sweepDeadWorkFolders(workDir: string): Promise<void> {
  const parent = path.dirname(workDir);
  const family = path.basename(workDir).replace(/[0-9a-f]{8}$/, '');
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(family) || entry === path.basename(workDir)) continue;
    try {
      const owner = JSON.parse(await readFile(path.join(parent, entry, OWNER_FILE), 'utf8')) as { pid: number; host: string };
      if (owner.host !== os.hostname() || processAlive(owner.pid)) continue;
      await removeTree(path.join(parent, entry));
    } catch {
      // not ours, or already gone
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function classifyFfmpegFailure(stderr: string, command: string, stage: string, remoteInput: boolean, workDir: string): MpegflowError {
  const details = { command, stderr: lastLines(stderr, 20) };
  if (/No space left on device|ENOSPC/i.test(stderr)) return diskFull(`the work folder ${workDir}`);
  if (remoteInput && /certificate|TLS|handshake/i.test(stderr) && !/403/.test(stderr)) return tlsUntrusted(details);
  if (remoteInput && /412 Precondition Failed|Server returned 412/i.test(stderr)) {
    return new MpegflowError('the source object changed while it was being encoded', {
      code: 'SOURCE_CHANGED',
      kind: 'external',
      suggestion: 'run the encode again once the upload of the source has finished',
      details,
    });
  }
  if (remoteInput && /403 Forbidden|Server returned 403|HTTP error 403/i.test(stderr)) {
    return retryable(
      new MpegflowError('the storage refused the source URL (HTTP 403: expired or revoked) while ffmpeg read it', {
        code: 'SOURCE_URL_REFUSED',
        kind: 'external',
        retryable: true,
        suggestion: 'check that the clocks of this host and MinIO agree and that the endpoint keys may read the source',
        details,
      }),
    );
  }
  if (
    remoteInput &&
    /Connection (refused|reset|timed out)|Input\/output error|Server returned 5\d\d|End of file|Stream ends prematurely|partial file|timed out/i.test(
      stderr,
    )
  ) {
    return retryable(
      new MpegflowError('ffmpeg lost its connection to the storage while reading the source', {
        code: 'SOURCE_READ_FAILED',
        kind: 'external',
        retryable: true,
        suggestion: 'check that MinIO is reachable (`mpegflow endpoint test ALIAS`) and run again',
        details,
      }),
    );
  }
  return new MpegflowError(`ffmpeg failed during ${stage}:\n${lastLines(stderr, 8) || '(no output)'}`, {
    code: 'FFMPEG_FAILED',
    kind: 'external',
    suggestion: 'run again with --verbose to see the ffmpeg command; the source may use a codec or layout this ffmpeg cannot handle',
    details,
  });
}

/** Watches HLS rendition folders and hands over each finished segment (ffmpeg renames `.tmp` files when it closes them). */
function watchSegments(
  workDir: string,
  renditions: string[],
  onSegment: (name: string) => void,
): { scan: () => Promise<void>; stop: () => void } {
  const seen = new Set<string>();
  const scan = async () => {
    for (const rendition of renditions) {
      let files: string[];
      try {
        files = await readdir(path.join(workDir, rendition));
      } catch {
        continue;
      }
      for (const file of files.sort()) {
        const name = `${rendition}/${file}`;
        if (/^seg_\d+\.ts$/.test(file) && !seen.has(name)) {
          seen.add(name);
          onSegment(name);
        }
      }
    }
  };
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void scan().finally(() => (busy = false));
  }, 300);
  return { scan, stop: () => clearInterval(timer) };
}

async function mediaDuration(tools: Tools, file: string, signal?: AbortSignal): Promise<number> {
  const run = await runTool({
    file: tools.ffprobe,
    args: ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', `file:${file}`],
    signal,
  });
  const value = Number.parseFloat(run.stdout.trim());
  return Number.isFinite(value) ? value : 0;
}

/** Segment names and total duration of an HLS media playlist; ENDLIST must be there. */
export function parseMediaPlaylist(text: string): { segments: string[]; durationSeconds: number; ended: boolean } {
  const segments: string[] = [];
  let durationSeconds = 0;
  for (const line of text.split(/\r?\n/)) {
    const extinf = /^#EXTINF:([\d.]+)/.exec(line);
    if (extinf) durationSeconds += Number(extinf[1]);
    else if (line && !line.startsWith('#')) segments.push(line.trim());
  }
  return { segments, durationSeconds, ended: /^#EXT-X-ENDLIST/m.test(text) };
}

interface RunState {
  attempt: number;
  records: Map<string, OutputRecord>;
  handedOver: Set<string>;
  /** Every put of this attempt, settled or not. */
  puts: Promise<void>[];
}

/**
 * Encodes one source with one preset into one destination. Probes first
 * (refusing unusable sources before any encode), runs ffmpeg (the whole HLS
 * ladder in one process), stores outputs as they finish (HLS segments while
 * ffmpeg still runs), checks output durations against the probe, and writes
 * the manifest last. Free of job-queue concerns: the worker calls this.
 */
export async function runEncode(options: RunEncodeOptions): Promise<EncodeResult> {
  const now = options.now ?? (() => new Date());
  const tools = options.tools ?? defaultTools();
  const emit = safeListener(options.onProgress);
  const clients = new Map<string, Client>();
  const client = (alias: string): Client => {
    let c = clients.get(alias);
    if (!c) {
      if (!options.s3For) throw new MpegflowError(`no storage client for endpoint '${alias}'`, { kind: 'bug', code: 'NO_S3_CLIENT' });
      c = options.s3For(alias);
      clients.set(alias, c);
    }
    return c;
  };
  const { preset, destination } = options;
  const startedAt = now();
  const elapsed = (from: Date) => Math.max(0, now().getTime() - from.getTime());
  if (options.signal?.aborted) throw cancelledError();

  emit({ type: 'stage', stage: 'probe', state: 'start', at: now() });
  // the tool versions go into the manifest: ask for them now, while the source is probed
  const versionsPromise = toolVersions(tools);
  versionsPromise.catch(() => undefined);
  const workDir = workFolderFor(options);
  const internal = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, internal.signal]) : internal.signal;
  let storageFailure: unknown;
  const events: SinkEvents = {
    multipart: options.multipart,
    onStored: (info) =>
      emit({
        type: 'upload',
        at: now(),
        object: info.name,
        objectBytes: info.size,
        bytesUploaded: info.bytesStored,
        objectsUploaded: info.objectsStored,
        done: true,
      }),
    onBytes: (info) =>
      emit({
        type: 'upload',
        at: now(),
        object: info.name,
        objectBytes: info.objectBytes,
        bytesUploaded: info.bytesSent,
        objectsUploaded: info.objectsStored,
        done: false,
      }),
  };
  const remoteClientFor = (d: DestinationLocation) => (d.kind === 'remote' ? client(d.alias) : undefined);
  const sink: OutputSink =
    destination.kind === 'local'
      ? new LocalSink({ destination, workDir, events })
      : new RemoteSink({
          client: client(destination.alias),
          destination,
          workDir,
          events,
          concurrency: options.uploadConcurrency,
          partSize: options.partSize,
          partConcurrency: options.partConcurrency,
        });

  // An earlier run may have finished this already: the manifest says what it encoded (read while the source is looked up).
  const ifExists = options.ifExists ?? 'skip';
  const manifestAt = options.manifestAt ?? destination;
  const manifestRead = (options.manifestAt ? destinationManifest(manifestAt, remoteClientFor(manifestAt)) : sink.readManifest()).then(
    (manifest) => ({ manifest, error: undefined as unknown }),
    (error: unknown) => ({ manifest: null, error }),
  );
  const source = await identifySource(options.source, client);
  const { manifest: existing, error: manifestError } = await manifestRead;
  if (manifestError && ifExists !== 'overwrite') throw manifestError;
  const replacingManifest = existing !== null || ifExists === 'overwrite';
  if (existing && ifExists !== 'overwrite') {
    if (ifExists === 'skip' && sameEncode(existing, source, preset.hash)) {
      emit({ type: 'stage', stage: 'probe', state: 'skipped', at: now(), detail: 'already encoded' });
      return skippedResult(existing, formatDestination(manifestAt), manifestAt);
    }
    throw new MpegflowError(
      `${formatDestination(manifestAt)} already holds a finished encode (${describeSource(existing.source)}, preset ${existing.preset.name})`,
      {
        code: 'DESTINATION_EXISTS',
        suggestion: 'choose another destination with --to, or replace it with --force',
      },
    );
  }

  const presignExpirySeconds = (durationSeconds: number, attempt: number): number => {
    const given = options.presignExpirySeconds;
    if (typeof given === 'function') return given({ attempt, durationSeconds });
    return given ?? presignExpiry(durationSeconds);
  };
  const sourceInput = async (durationSeconds: number, attempt: number, reconnect = true): Promise<ProbeInput> => {
    if (options.source.kind === 'local') return { url: `file:${options.source.path}`, display: options.source.path };
    const loc = options.source;
    const remote = source as Extract<SourceIdentity, { kind: 'remote' }>;
    let url: string;
    try {
      url = await client(loc.alias).presignedGetObject(
        loc.bucket,
        loc.key,
        presignExpirySeconds(durationSeconds, attempt),
        remote.versionId ? { versionId: remote.versionId } : {},
      );
    } catch (error) {
      throw mapStorageFailure(error, { alias: loc.alias, path: formatLocation(loc), action: 'sign a URL for' });
    }
    return {
      url,
      display: formatLocation(loc),
      inputArgs: [
        // the probe fails fast (a refused certificate must not wait out the reconnect delays); the encode rides out drops
        ...(reconnect ? reconnectArgs(options.reconnectDelayMaxSeconds ?? 30) : []),
        ...tlsArgs(url, options.caFileFor?.(loc.alias)),
        '-headers',
        `If-Match: "${remote.etag}"\r\n`,
      ],
    };
  };

  const probeStarted = now();
  let probe: ProbeResult;
  try {
    probe = await probeSource({ input: await sourceInput(0, 0, false), tools, signal });
  } catch (error) {
    throw error instanceof MpegflowError && signal.aborted ? cancelledError() : error;
  }
  const probeMs = elapsed(probeStarted);
  emit({ type: 'stage', stage: 'probe', state: 'done', at: now(), detail: describeProbe(probe) });
  const plan = planEncode(capOutputLines(preset.definition, probe, options.maxOutputLines), probe);
  emit({
    type: 'plan',
    at: now(),
    preset: preset.name,
    durationSeconds: probe.durationSeconds,
    renditions: plan.renditions.map((r) => ({ name: r.name, width: r.width, height: r.height })),
    remoteSource: options.source.kind === 'remote',
    remoteDestination: destination.kind === 'remote',
    stages: [...new Set(plan.passes.map((p) => p.stage)), 'upload', 'manifest'],
  });

  const state: RunState = { attempt: 0, records: new Map(), handedOver: new Set(), puts: [] };
  const handOver = (name: string) => {
    state.handedOver.add(name);
    const records = state.records;
    state.puts.push(
      sink.put(name).then(
        (record) => void records.set(name, record),
        (error: unknown) => {
          if (storageFailure === undefined && !(error instanceof MpegflowError && error.code === 'CANCELLED')) {
            storageFailure = error;
            internal.abort();
          }
        },
      ),
    );
  };
  const drainPuts = async () => {
    while (state.puts.length > 0) await Promise.all(state.puts.splice(0));
  };
  const failIfStorageFailed = async () => {
    await drainPuts();
    if (storageFailure) throw storageFailure;
  };

  const encodeStarted = now();
  let encodeMs: number;
  let uploadWaitMs: number;
  try {
    await claimWorkFolder(workDir);
    await sweepDeadWorkFolders(workDir);
    await sink.prepare({ replacingManifest });
    const maxAttempts = options.source.kind === 'remote' ? Math.max(1, options.maxAttempts ?? 3) : 1;
    for (state.attempt = 1; ; state.attempt++) {
      try {
        const input = await sourceInput(probe.durationSeconds, state.attempt);
        for (const pass of plan.passes)
          await runPass({
            pass,
            input,
            plan,
            probe,
            tools,
            workDir,
            signal,
            state,
            handOver,
            emit,
            now,
            remote: options.source.kind === 'remote',
          });
        if (plan.spriteIndex) await writeSpriteIndex(plan, probe, tools, workDir, signal);
        break;
      } catch (error) {
        if (storageFailure) throw storageFailure;
        if (signal.aborted) throw cancelledError();
        if (!(error instanceof MpegflowError && RETRYABLE.has(error)) || state.attempt >= maxAttempts) throw error;
        emit({ type: 'retry', at: now(), attempt: state.attempt + 1, reason: error.message });
        await drainPuts();
        state.records = new Map();
        state.handedOver.clear();
        await removeTree(workDir);
        await claimWorkFolder(workDir);
      }
    }
    encodeMs = elapsed(encodeStarted);
    // everything not handed over yet, then the HLS playlists once their segments are stored, the master last
    const files = await listFiles(workDir);
    const rest = files.filter((f) => !state.handedOver.has(f));
    const rank = (f: string) => (f === 'master.m3u8' ? 2 : f.endsWith('.m3u8') ? 1 : 0);
    const uploadWaitStarted = now();
    emit({ type: 'stage', stage: 'upload', state: 'start', at: now() });
    for (const level of [0, 1, 2]) {
      for (const name of rest.filter((f) => rank(f) === level)) handOver(name);
      await failIfStorageFailed();
    }
    uploadWaitMs = elapsed(uploadWaitStarted);
    emit({ type: 'stage', stage: 'upload', state: 'done', at: now() });
    if (signal.aborted) throw cancelledError();

    emit({ type: 'stage', stage: 'manifest', state: 'start', at: now() });
    const outputs = [...state.records.values()].sort((a, b) => a.name.localeCompare(b.name, 'en'));
    const versions = await versionsPromise;
    const finishedAt = now();
    const manifest: Manifest = {
      format: 'mpegflow-manifest',
      version: 1,
      createdAt: finishedAt.toISOString(),
      source,
      preset: { name: preset.name, hash: preset.hash, kind: preset.definition.kind, origin: preset.origin },
      tools: { ...versions, mpegflow: mpegflowVersion() },
      media: {
        durationSeconds: probe.durationSeconds,
        width: probe.video.width,
        height: probe.video.height,
        videoCodec: probe.video.codec,
        frameRate: `${probe.video.frameRate.num}/${probe.video.frameRate.den}`,
        variableFrameRate: probe.video.variableFrameRate,
        audio: probe.audio !== null,
      },
      renditions: plan.renditions,
      outputs,
      fixity:
        preset.definition.kind === 'archive'
          ? { method: 'framemd5', media: preset.definition.output, sidecar: preset.definition.fixity.output }
          : null,
      attempts: state.attempt,
      timings: {
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        probeMs,
        encodeMs,
        uploadWaitMs,
        totalMs: Math.max(0, finishedAt.getTime() - startedAt.getTime()),
      },
    };
    await sink.commit(manifest);
    emit({ type: 'stage', stage: 'manifest', state: 'done', at: now() });
    await removeTree(workDir);
    return {
      status: 'done',
      source,
      destination: sink.display,
      manifest: manifestLocation(destination),
      preset: manifest.preset,
      durationSeconds: probe.durationSeconds,
      renditions: plan.renditions,
      outputs,
      bytesStored: sink.bytesStored,
      attempts: state.attempt,
      timings: manifest.timings,
    };
  } catch (error) {
    internal.abort();
    await sink.abort().catch(() => undefined);
    await removeTree(workDir);
    if (options.signal?.aborted) throw cancelledError();
    if (errnoCode(error) === 'ENOSPC') throw diskFull(`the work folder ${workDir} or the destination ${sink.display}`, error);
    if (error instanceof MpegflowError) throw error;
    const code = errnoCode(error);
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
      throw new MpegflowError(`cannot write to ${path.dirname(workDir)} (${code})`, {
        code: 'DESTINATION_NOT_WRITABLE',
        suggestion: 'choose a writable destination with --to or a work folder with --work-dir',
        cause: error,
      });
    }
    throw error;
  }
}

interface PassContext {
  pass: FfmpegPass;
  input: ProbeInput;
  plan: EncodePlan;
  probe: ProbeResult;
  tools: Tools;
  workDir: string;
  signal: AbortSignal;
  state: RunState;
  handOver: (name: string) => void;
  emit: (event: EncodeProgressEvent) => void;
  now: () => Date;
  remote: boolean;
}

async function runPass(ctx: PassContext): Promise<void> {
  const { pass, input, plan, probe, tools, workDir, signal, emit, now } = ctx;
  const fromSource = pass.input.kind === 'source';
  const url = pass.input.kind === 'source' ? input.url : `file:${outputPath(workDir, pass.input.name)}`;
  const label = pass.input.kind === 'source' ? input.display : pass.input.name;
  const args = [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'level+warning',
    '-nostats',
    '-progress',
    'pipe:1',
    ...(fromSource ? (input.inputArgs ?? []) : []),
    '-i',
    url,
    ...pass.outputArgs,
  ];
  const command = displayCommand(tools.ffmpeg, args, url, label);
  emit({ type: 'stage', stage: pass.stage, state: 'start', at: now(), detail: pass.renditions.join(', ') });
  const parse = createProgressParser((progress) => {
    const { percent, etaSeconds } = progressFigures(progress, probe.durationSeconds);
    emit({
      type: 'encode',
      at: now(),
      stage: pass.stage,
      renditions: pass.renditions,
      attempt: ctx.state.attempt,
      percent,
      outTimeSeconds: progress.outTimeSeconds,
      fps: progress.fps,
      speed: progress.speed,
      etaSeconds,
    });
  });
  const watcher = plan.streamingSegments ? watchSegments(workDir, pass.renditions, ctx.handOver) : null;
  // A refused reconnect (the URL expired) will not heal: stop ffmpeg at once and retry with a fresh URL.
  const remoteInput = fromSource && ctx.remote;
  const refusal = new AbortController();
  let refused = '';
  const onStderr = remoteInput
    ? (chunk: string) => {
        if (!refused && /HTTP error 40[13]|40[13] (Forbidden|Unauthorized)/i.test(chunk)) {
          refused = chunk;
          refusal.abort();
        }
      }
    : undefined;
  let run;
  try {
    run = await runTool({
      file: tools.ffmpeg,
      args,
      cwd: workDir,
      signal: AbortSignal.any([signal, refusal.signal]),
      onStdoutLine: parse,
      onStderr,
      secrets: [input.url],
    });
  } finally {
    watcher?.stop();
  }
  if (signal.aborted) throw cancelledError();
  if (refused) throw classifyFfmpegFailure(`${run.stderrTail}\nHTTP error 403 Forbidden`, command, pass.stage, true, workDir);
  if (run.aborted) throw cancelledError();
  if (run.exitCode !== 0) throw classifyFfmpegFailure(run.stderrTail, command, pass.stage, remoteInput, workDir);
  if (remoteInput && /403 Forbidden|Server returned 4\d\d|HTTP error 4\d\d/i.test(run.stderrTail)) {
    // ffmpeg may treat a refused reconnect as the end of the input and exit 0 with a short output
    throw classifyFfmpegFailure(run.stderrTail, command, pass.stage, true, workDir);
  }
  await watcher?.scan();
  await checkDurations(ctx, command);
  emit({ type: 'stage', stage: pass.stage, state: 'done', at: now() });
  // single files are handed over at the end (a later pass may read them); HLS segments already are
}

async function checkDurations(ctx: PassContext, command: string): Promise<void> {
  const { pass, plan, probe, tools, workDir, signal } = ctx;
  const frame = 1 / (rationalValue(probe.video.frameRate) || 25);
  const tolerance = Math.max(0.5, 3 * frame);
  for (const check of plan.durationChecks) {
    const top = check.output.split('/')[0]!;
    if (!pass.outputs.includes(top) && !pass.outputs.includes(check.output)) continue;
    let produced: number;
    if (check.kind === 'media') {
      produced = await mediaDuration(tools, outputPath(workDir, check.output), signal);
    } else {
      let text: string;
      try {
        text = await readFile(outputPath(workDir, check.output), 'utf8');
      } catch {
        text = '';
      }
      const playlist = parseMediaPlaylist(text);
      const missing = playlist.segments.map((s) => `${path.posix.dirname(check.output)}/${s}`).filter((s) => !ctx.state.handedOver.has(s));
      if (!playlist.ended || missing.length > 0) {
        throw new MpegflowError(
          `the HLS playlist ${check.output} is incomplete${missing.length ? ` (missing ${missing.slice(0, 3).join(', ')})` : ''}`,
          {
            code: 'OUTPUT_INCOMPLETE',
            kind: 'external',
            suggestion: 'run again with --verbose; ffmpeg stopped before finishing the ladder',
            details: { command },
          },
        );
      }
      produced = playlist.durationSeconds;
    }
    if (produced < plan.expectedDurationSeconds - tolerance) {
      const remoteRead = pass.input.kind === 'source' && ctx.remote;
      const error = new MpegflowError(
        `${check.output} lasts ${produced.toFixed(2)} s but the source lasts ${plan.expectedDurationSeconds.toFixed(2)} s: refusing a truncated output`,
        {
          code: 'OUTPUT_TRUNCATED',
          kind: 'external',
          retryable: remoteRead,
          suggestion: 'check the source plays to the end and the storage stayed reachable, then run again',
          details: { command },
        },
      );
      throw remoteRead ? retryable(error) : error;
    }
  }
}

async function writeSpriteIndex(plan: EncodePlan, probe: ProbeResult, tools: Tools, workDir: string, signal: AbortSignal): Promise<void> {
  const index = plan.spriteIndex!;
  const run = await runTool({
    file: tools.ffprobe,
    args: ['-v', 'error', '-show_entries', 'stream=height', '-of', 'csv=p=0', `file:${outputPath(workDir, index.sheet)}`],
    signal,
  });
  const sheetHeight = Number.parseInt(run.stdout.trim(), 10);
  if (!Number.isFinite(sheetHeight) || sheetHeight <= 0) {
    throw new MpegflowError(`ffmpeg wrote no readable sprite sheet ${index.sheet}`, { code: 'OUTPUT_INCOMPLETE', kind: 'external' });
  }
  await writeFile(outputPath(workDir, index.index), spriteVtt(index, Math.round(sheetHeight / index.rows), probe.durationSeconds));
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.endsWith('.tmp') && e.name !== OWNER_FILE)
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

function describeProbe(probe: ProbeResult): string {
  const fps = rationalValue(probe.video.frameRate).toFixed(2).replace(/\.00$/, '');
  return `${probe.video.codec} ${probe.video.width}x${probe.video.height} ${fps} fps${probe.video.variableFrameRate ? ' (variable)' : ''}, ${probe.durationSeconds.toFixed(2)} s, ${probe.audio ? `audio ${probe.audio.codec}` : 'no audio'}`;
}

function describeSource(source: SourceIdentity): string {
  return source.kind === 'local' ? source.path : `${source.alias}/${source.bucket}/${source.key}`;
}

export function manifestLocation(destination: DestinationLocation): string {
  return destination.kind === 'local' ? path.join(destination.path, MANIFEST_NAME) : `${formatDestination(destination)}${MANIFEST_NAME}`;
}

function skippedResult(manifest: Manifest, display: string, destination: DestinationLocation): EncodeResult {
  return {
    status: 'skipped',
    source: manifest.source,
    destination: display,
    manifest: manifestLocation(destination),
    preset: manifest.preset,
    durationSeconds: manifest.media.durationSeconds,
    renditions: manifest.renditions,
    outputs: manifest.outputs,
    bytesStored: 0,
    attempts: 0,
    timings: manifest.timings,
  };
}
