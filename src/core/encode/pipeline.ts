import { capOutputLines } from './planning/output-cap.ts';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from 'minio';
import type { PublishLock } from '../s3/object-lock.ts';
import type { MultipartHooks } from '../s3/objects.ts';
import { MpegflowError } from '../errors.ts';
import type { ObjectLocation } from '../endpoints/object-path.ts';
import { formatLocation } from '../notation.ts';
import { formatDestination, refuseOutputsOverSource, type DestinationLocation } from './outputs/locations.ts';
import { encodeDifferences, type Manifest, type SourceIdentity } from './outputs/manifest.ts';
import type { Preset } from './presets/preset-model.ts';
import { cancelledError, probeSourceWith, rationalValue, type ProbeResult } from './source/probe.ts';
import { safeListener, type ProgressListener } from './ffmpeg/progress.ts';
import { LocalSink, RemoteSink, removeTree, type OutputSink, type SinkEvents } from './outputs/sink.ts';
import { absentOutputs, destinationManifest } from './outputs/staging.ts';
import { defaultTools, toolVersions, type Tools } from './ffmpeg/tools.ts';
import { clientFor, identifySource, openSourceAccess } from './source/source-access.ts';
import { buildManifest, doneResult, skippedResult, type EncodeResult } from './outputs/encode-result.ts';
import { encodeFailure } from './ffmpeg/ffmpeg-failures.ts';
import { workFolderFor, OWNER_FILE, claimWorkFolder, releaseWorkFolder, sweepDeadWorkFolders } from './outputs/work-folder.ts';
import { type RunState, runPass, writeSpriteIndex } from './ffmpeg/encode-pass.ts';
import type { PlanMeasurements } from './planning/delivery.ts';
import { planMeasurements } from './planning/measurements.ts';
import type { EncodePlan } from './planning/encode-plan.ts';
import { planEncode } from './planning/plan.ts';
import { finishHlsRenditions } from './outputs/hls-renditions.ts';
import { sourceMeasures } from './source/source-measures.ts';
import { analyseLadder } from './source/ladder-analysis.ts';
import { proveLossless, type LosslessProof } from './verify/lossless.ts';
import { gateSettings, measureQuality } from './verify/quality-gate.ts';
import { qualityFailure, type QualityReport } from './verify/quality-score.ts';
import type { QualityThresholds } from './planning/quality.ts';
import { count } from '../notation.ts';

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
  /** The S3 client of an endpoint alias, the same one each time (storageResolver's); needed when the source or destination is remote. */
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
  /** How long each request for a remote source is signed for (default 15 min; see openSourceRelay). */
  urlLifetimeSeconds?: number;
  /** The licensed highest output resolution, in lines (see license entitlements); none by default. */
  maxOutputLines?: number;
  /** Encode attempts for a remote source; default 3. */
  maxAttempts?: number;
  /** How long ffmpeg keeps reconnecting to a dropped source before the attempt fails (seconds, default 30). */
  reconnectDelayMaxSeconds?: number;
  /** How long a read of a remote source may wait on a silent connection before it fails (seconds, default 60). */
  ioTimeoutSeconds?: number;
  multipart?: MultipartHooks;
  /** Where a finished encode is recorded, when it differs from `destination` (a queued job encodes into staging). */
  manifestAt?: DestinationLocation;
  /** Object Lock for a bucket destination's outputs and manifest, set before the manifest is written (see RemoteSink). */
  lock?: PublishLock;
  /** Quality thresholds from the command line, each replacing the preset's (see the preset's `quality`); false skips the gate. */
  quality?: Partial<QualityThresholds> | false;
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
  // said as they happen, and kept for the result: --json shows no progress
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    emit({ type: 'warning', at: now(), message });
  };
  const client = clientFor(options.s3For);
  const { preset, destination } = options;
  const startedAt = now();
  const elapsed = (from: Date) => Math.max(0, now().getTime() - from.getTime());
  if (options.signal?.aborted) throw cancelledError();
  const gate = await gateSettings(preset.definition, options.quality, tools);

  emit({ type: 'stage', stage: 'probe', state: 'start', at: now() });
  // the tool versions go into the manifest: ask for them now, while the source is probed
  const versionsPromise = toolVersions(tools);
  versionsPromise.catch(() => undefined);
  const workDir = workFolderFor(options);
  const internal = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, internal.signal]) : internal.signal;
  const remoteClientFor = (d: DestinationLocation) => (d.kind === 'remote' ? client(d.alias) : undefined);
  // the gate scores the staged renditions after the encode: the sink keeps what it uploads until then
  const sink = openSink({ options, workDir, client: remoteClientFor(destination), emit, warn, now, signal, keepFiles: gate !== undefined });

  // An earlier run may have finished this already: the manifest says what it encoded (read while the source is looked up).
  const ifExists = options.ifExists ?? 'skip';
  const manifestAt = options.manifestAt ?? destination;
  const manifestRead = settled(options.manifestAt ? destinationManifest(manifestAt, remoteClientFor(manifestAt)) : sink.readManifest());
  const source = await identifySource(options.source, client);
  const earlier = earlierEncode(await manifestRead, { source, preset, ifExists, manifestAt });
  if (earlier.skipped) {
    // the manifest says done; what it lists must still be there as it recorded it
    const absent = await absentOutputs(manifestAt, earlier.manifest!, remoteClientFor(manifestAt));
    if (absent.length === 0) {
      emit({ type: 'stage', stage: 'probe', state: 'skipped', at: now(), detail: 'already encoded' });
      return earlier.skipped;
    }
    warn(
      `${formatDestination(manifestAt)} holds this encode, but ${absent.length} of its ${count(earlier.manifest!.outputs.length, 'output')} ${absent.length === 1 ? 'is' : 'are'} missing or changed since (${absent.slice(0, 3).join(', ')}${absent.length > 3 ? ', ...' : ''}): encoding it again`,
    );
  }

  const access = await openSourceAccess(options, source, client);
  try {
    const probeStarted = now();
    const input = access.input(false);
    // the loudness a preset normalises to (a package's keyframes) is measured while idet samples the picture
    const measure = (streams: ProbeResult) =>
      planMeasurements(preset.definition, streams, sourceMeasures({ input, probe: streams, tools, signal }));
    let probe: ProbeResult;
    let measurements: PlanMeasurements;
    try {
      [probe, measurements] = await probeSourceWith({ input, tools, signal }, measure);
    } catch (error) {
      throw error instanceof MpegflowError && signal.aborted ? cancelledError() : error;
    }
    // the gate this run holds (the preset's, with the command line's thresholds, or none with --no-quality-gate)
    const capped = capOutputLines(preset.definition, probe, options.maxOutputLines);
    const definition = capped.kind === 'hls' || capped.kind === 'mp4' ? { ...capped, quality: gate } : capped;
    const probeMs = elapsed(probeStarted);
    emit({ type: 'stage', stage: 'probe', state: 'done', at: now(), detail: describeProbe(probe) });
    if (definition.kind === 'hls' && definition.perTitle) {
      emit({ type: 'stage', stage: 'ladder', state: 'start', at: now(), detail: 'probe encodes of samples of the source' });
      measurements.ladder = await analyseLadder({ preset: definition, probe, input, tools, signal });
      emit({ type: 'stage', stage: 'ladder', state: 'done', at: now(), detail: `${(measurements.ladder.analysisMs / 1000).toFixed(1)} s` });
    }
    const plan = planEncode(definition, probe, measurements);
    for (const message of [...probe.warnings, ...plan.warnings]) warn(message);
    const plannedOutputs = plan.passes.flatMap((pass) => pass.outputs);
    refuseOutputsOverSource(options.source, [destination, manifestAt], plannedOutputs);
    emit({
      type: 'plan',
      at: now(),
      preset: preset.name,
      durationSeconds: probe.durationSeconds,
      renditions: plan.renditions.map((r) => ({ name: r.name, width: r.width, height: r.height })),
      remoteSource: options.source.kind === 'remote',
      remoteDestination: destination.kind === 'remote',
      stages: [...new Set(plan.passes.map((p) => p.stage)), ...(plan.quality ? ['quality' as const] : []), 'upload', 'manifest'],
      decisions: plan.decisions,
    });

    const state: RunState = { attempt: 0, records: new Map(), handedOver: new Set(), puts: [], videoBitrates: new Map() };
    let lossless: LosslessProof | undefined;
    let quality: QualityReport | undefined;
    const outputs = outputHandOver(sink, state, () => internal.abort());

    let created: string | undefined;
    const encodeStarted = now();
    let encodeMs: number;
    let uploadWaitMs: number;
    try {
      created = await claimWorkFolder(workDir);
      await sweepDeadWorkFolders(workDir);
      // a queued job's staging is its lease's own: no earlier run can have left uploads in it
      await sink.prepare({ replacingManifest: earlier.replacing, fresh: options.manifestAt !== undefined });
      const maxAttempts = options.source.kind === 'remote' ? Math.max(1, options.maxAttempts ?? 3) : 1;
      for (state.attempt = 1; ; state.attempt++) {
        try {
          const input = access.input();
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
              handOver: outputs.handOver,
              emit,
              now,
              remote: options.source.kind === 'remote',
            });
          if (plan.spriteIndex) await writeSpriteIndex(plan, probe, tools, workDir, signal);
          if (plan.hls) await finishHlsRenditions({ workDir, renditions: plan.hls, durationSeconds: probe.durationSeconds });
          if (plan.lossless) lossless = await proveLossless({ input, lossless: plan.lossless, tools, workDir, signal });
          if (plan.quality) quality = await measureQuality({ plan: plan.quality, input, probe, tools, workDir, signal, emit, now });
          break;
        } catch (error) {
          if (outputs.failure) throw outputs.failure;
          if (signal.aborted) throw cancelledError();
          // a dropped read of the source is tried again at once; a busy store or a killed tool waits for the queue's back-off
          if (!(error instanceof MpegflowError && error.retry === 'now') || state.attempt >= maxAttempts) throw error;
          emit({ type: 'retry', at: now(), attempt: state.attempt + 1, reason: error.message });
          await outputs.drain();
          state.records = new Map();
          state.videoBitrates.clear();
          state.handedOver.clear();
          await removeTree(workDir);
          await claimWorkFolder(workDir);
        }
      }
      encodeMs = elapsed(encodeStarted);
      if (quality && !quality.passed) throw qualityFailure(quality);
      const uploadWaitStarted = now();
      emit({ type: 'stage', stage: 'upload', state: 'start', at: now() });
      await storeTheRest(workDir, state, outputs, plannedOutputs);
      uploadWaitMs = elapsed(uploadWaitStarted);
      emit({ type: 'stage', stage: 'upload', state: 'done', at: now() });
      if (signal.aborted) throw cancelledError();

      emit({ type: 'stage', stage: 'manifest', state: 'start', at: now() });
      const manifest = buildManifest({
        source,
        preset,
        tools: await versionsPromise,
        probe,
        plan: withMeasuredBitrates(plan, state.videoBitrates),
        outputs: [...state.records.values()].sort((a, b) => a.name.localeCompare(b.name, 'en')),
        attempts: state.attempt,
        lossless,
        quality,
        timings: { startedAt, finishedAt: now(), probeMs, encodeMs, uploadWaitMs },
      });
      await sink.commit(manifest);
      emit({ type: 'stage', stage: 'manifest', state: 'done', at: now() });
      await removeTree(workDir);
      // what the outputs weigh: an attempt that was retried stored some of them twice
      const bytesStored = manifest.outputs.reduce((sum, output) => sum + output.size, 0);
      return { ...doneResult(manifest, { display: sink.display, bytesStored }, destination), warnings };
    } catch (error) {
      internal.abort();
      await sink.abort().catch(() => undefined);
      await releaseWorkFolder(workDir, created);
      if (options.signal?.aborted) throw cancelledError();
      throw encodeFailure(error, workDir, sink.display);
    }
  } finally {
    await access.close();
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.endsWith('.tmp') && e.name !== OWNER_FILE)
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** An MP4 is made at a CRF under a cap: its rendition says the average it came out at, not the cap. */
function withMeasuredBitrates(plan: EncodePlan, measured: Map<string, number>): EncodePlan {
  if (plan.kind !== 'mp4') return plan;
  const bits = measured.get(plan.durationChecks[0]!.output);
  if (bits === undefined) return plan;
  return { ...plan, renditions: plan.renditions.map((r) => ({ ...r, videoBitrate: `${Math.round(bits / 1000)}k` })) };
}

function describeProbe(probe: ProbeResult): string {
  const fps = rationalValue(probe.video.frameRate).toFixed(2).replace(/\.00$/, '');
  const scan = probe.video.scan.order === 'progressive' ? '' : ` interlaced ${probe.video.scan.order.toUpperCase()}`;
  const range = probe.video.colour.dynamicRange === 'sdr' ? '' : ` ${probe.video.colour.dynamicRange.toUpperCase()}`;
  const audio = probe.audioTracks.length === 0 ? 'no audio' : `${probe.audioTracks.length} audio (${probe.audioTracks[0]!.codec})`;
  return `${probe.video.codec} ${probe.video.width}x${probe.video.height}${scan}${range} ${fps} fps${probe.video.variableFrameRate ? ' (variable)' : ''}, ${probe.durationSeconds.toFixed(2)} s, ${audio}`;
}

/** Where outputs go as they finish: a local folder (by rename) or a bucket prefix (uploads), reporting progress. */
function openSink({
  options,
  workDir,
  client,
  emit,
  warn,
  now,
  signal,
  keepFiles,
}: {
  options: RunEncodeOptions;
  workDir: string;
  client: Client | undefined;
  emit: ProgressListener;
  warn: (message: string) => void;
  now: () => Date;
  signal: AbortSignal;
  keepFiles: boolean;
}): OutputSink {
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
    onWarning: warn,
  };
  const { destination } = options;
  return destination.kind === 'local'
    ? new LocalSink({ destination, workDir, events })
    : new RemoteSink({
        client: client!,
        destination,
        workDir,
        events,
        concurrency: options.uploadConcurrency,
        partSize: options.partSize,
        partConcurrency: options.partConcurrency,
        signal,
        keepFiles,
        lock: options.lock,
      });
}

const settled = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ value, error: undefined as unknown }),
    (error: unknown) => ({ value: null, error }),
  );

/**
 * What a manifest already at the destination means: the same encode (skip),
 * another one (refuse unless overwriting), or nothing there.
 */
function earlierEncode(
  read: { value: Manifest | null; error: unknown },
  {
    source,
    preset,
    ifExists,
    manifestAt,
  }: { source: SourceIdentity; preset: Preset; ifExists: 'skip' | 'overwrite' | 'fail'; manifestAt: DestinationLocation },
): { skipped?: EncodeResult; manifest?: Manifest; replacing: boolean } {
  const { value: existing, error } = read;
  if (error && ifExists !== 'overwrite') throw error;
  const replacing = existing !== null || ifExists === 'overwrite';
  if (!existing || ifExists === 'overwrite') return { replacing };
  const differences = encodeDifferences(existing, source, preset);
  if (ifExists === 'skip' && differences.length === 0)
    return { skipped: skippedResult(existing, formatDestination(manifestAt), manifestAt), manifest: existing, replacing };
  const held = `${formatDestination(manifestAt)} already holds a finished encode of ${formatLocation(existing.source)} (preset ${existing.preset.name})`;
  throw new MpegflowError(differences.length > 0 ? `${held}, and ${differences.join('; ')}` : held, {
    code: 'DESTINATION_EXISTS',
    suggestion: 'choose another destination with --to, or replace it with --force',
    details: { differences },
  });
}

type OutputHandOver = ReturnType<typeof outputHandOver>;

/**
 * Outputs go to the sink as they are finished; the first storage failure
 * stops the encode (`stop`), and is what the run reports.
 */
function outputHandOver(sink: OutputSink, state: RunState, stop: () => void) {
  let failure: unknown;
  const drain = async () => {
    while (state.puts.length > 0) await Promise.all(state.puts.splice(0));
  };
  return {
    get failure(): unknown {
      return failure;
    },
    handOver: (name: string) => {
      state.handedOver.add(name);
      const records = state.records;
      state.puts.push(
        sink.put(name).then(
          (record) => void records.set(name, record),
          (error: unknown) => {
            if (failure === undefined && !(error instanceof MpegflowError && error.code === 'CANCELLED')) {
              failure = error;
              stop();
            }
          },
        ),
      );
    },
    drain,
    failIfFailed: async () => {
      await drain();
      if (failure) throw failure;
    },
  };
}

/**
 * Everything not handed over yet, then the HLS playlists once their segments
 * are stored, the master last; but first, every planned output (a file, or an
 * HLS rendition folder) must be there: ffmpeg can end well without writing one.
 */
async function storeTheRest(workDir: string, state: RunState, outputs: OutputHandOver, planned: string[]): Promise<void> {
  const rest = (await listFiles(workDir)).filter((f) => !state.handedOver.has(f));
  const written = [...state.handedOver, ...rest];
  const missing = planned.filter((output) => !written.some((name) => name === output || name.startsWith(`${output}/`)));
  if (missing.length > 0) {
    throw new MpegflowError(`ffmpeg finished without writing ${missing.join(', ')}`, {
      code: 'OUTPUT_INCOMPLETE',
      suggestion:
        'run the command shown with --verbose on the source by hand to see why (a picture that ends long before the sound leaves no frame at a late poster time)',
    });
  }
  const rank = (f: string) => (f === 'master.m3u8' ? 2 : f.endsWith('.m3u8') ? 1 : 0);
  for (const level of [0, 1, 2]) {
    for (const name of rest.filter((f) => rank(f) === level)) outputs.handOver(name);
    await outputs.failIfFailed();
  }
}
