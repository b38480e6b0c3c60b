import { capOutputLines } from './output-cap.ts';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from 'minio';
import type { MultipartHooks } from './s3.ts';
import { MpegflowError } from '../errors.ts';
import { storageFailure as mapStorageFailure } from '../storage-errors.ts';
import type { ObjectLocation } from '../endpoints/object-path.ts';
import { formatLocation } from '../endpoints/object-path.ts';
import { formatDestination, MANIFEST_NAME, type DestinationLocation } from './locations.ts';
import {
  mpegflowVersion,
  sameEncode,
  type EncodeTimings,
  type Manifest,
  type ManifestPreset,
  type OutputRecord,
  type RenditionPlan,
  type SourceIdentity,
} from './manifest.ts';
import { planEncode } from './plan.ts';
import type { Preset } from './preset-model.ts';
import { cancelledError, probeSource, rationalValue, type ProbeInput, type ProbeResult } from './probe.ts';
import { safeListener, type ProgressListener } from './progress.ts';
import { LocalSink, RemoteSink, removeTree, type OutputSink, type SinkEvents } from './sink.ts';
import { destinationManifest } from './staging.ts';
import { defaultTools, tlsArgs, toolVersions, type Tools } from './tools.ts';
import { RETRYABLE, presignExpiry, reconnectArgs, identifySource } from './source-access.ts';
import { diskFull, errnoCode } from './ffmpeg-failures.ts';
import { workFolderFor, OWNER_FILE, claimWorkFolder, sweepDeadWorkFolders } from './work-folder.ts';
import { type RunState, runPass, writeSpriteIndex } from './encode-pass.ts';

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
  preset: ManifestPreset;
  durationSeconds: number;
  renditions: RenditionPlan[];
  outputs: OutputRecord[];
  bytesStored: number;
  attempts: number;
  timings: EncodeTimings;
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
