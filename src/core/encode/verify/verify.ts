import { readFile, stat } from 'node:fs/promises';
import type { Client } from 'minio';
import { eachAtMost } from '../../concurrently.ts';
import { MpegflowError } from '../../errors.ts';
import { formatDestination, MANIFEST_NAME, outputKey, outputPath, type DestinationLocation } from '../outputs/locations.ts';
import { parseManifest, type Manifest, type ManifestFixity, type ManifestPreset, type SourceIdentity } from '../outputs/manifest.ts';
import { classifyFfmpegFailure } from '../ffmpeg/ffmpeg-failures.ts';
import { cannotRead, currentUser } from '../../user-file.ts';
import { cancelledError } from '../source/probe.ts';
import { ioTimeoutArgs, reconnectArgs } from '../source/source-access.ts';
import { safeListener, type ProgressListener } from '../ffmpeg/progress.ts';
import { signerOf } from '../../s3/client.ts';
import { hashObject, readObject } from '../../s3/objects.ts';
import { storageFailure } from '../../s3/errors.ts';
import { withRetry } from '../../retry.ts';
import { hashFile } from '../outputs/sink.ts';
import { hasObjectLock, readRetention, type ObjectRetention } from '../../s3/object-lock.ts';
import { openSourceRelay, RELAY_INPUT_ARGS } from '../source/source-relay.ts';
import { defaultTools, lastLines, runTool, type Tools } from '../ffmpeg/tools.ts';
import { frameLines, LEGACY_FIXITY_ARGS } from './framemd5.ts';
import { PSNR_AGREEMENT, recheckQuality, SSIM_AGREEMENT, type QualityRecheck } from './quality-verify.ts';
import { count } from '../../notation.ts';

export type VerifyProblemKind = 'missing' | 'size' | 'checksum' | 'frames' | 'unreadable' | 'quality';

export interface VerifyProblem {
  /** The output's name in the manifest (relative to the destination). */
  name: string;
  /** Where it is: a local path or ALIAS/BUCKET/KEY. */
  location: string;
  problem: VerifyProblemKind;
  message: string;
}

export interface VerifyResult {
  destination: string;
  manifest: string;
  preset: ManifestPreset;
  source: SourceIdentity;
  createdAt: string;
  ok: boolean;
  outputs: number;
  bytesChecked: number;
  /** archive presets: the re-decode compared with the framemd5 sidecar. */
  fixity: { media: string; sidecar: string; frames: number; mismatches: number } | null;
  problems: VerifyProblem[];
  /**
   * S3 Object Lock of each output and of the manifest; null for a local
   * folder. `objectLock: false` when the bucket has none (nothing can be retained).
   */
  retention: { objectLock: boolean; objects: ({ name: string } & ObjectRetention)[] } | null;
  /** `--quality`: the renditions scored again against the source, beside the scores the manifest records. */
  quality: QualityRecheck | null;
}

export interface VerifyOptions {
  destination: DestinationLocation;
  s3For?: (alias: string) => Client;
  tools?: Tools;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  now?: () => Date;
  /** Objects checked at once (default 4). */
  concurrency?: number;
  /** Score the renditions against the source again and compare with the recorded scores. */
  quality?: boolean;
}

interface Reader {
  where(name: string): string;
  readManifest(): Promise<Buffer | null>;
  hash(name: string): Promise<{ size: number; sha256: string } | null>;
  readText(name: string): Promise<string | null>;
  /** What ffmpeg opens to decode an output (a relay URL for a bucket: scrubbed from what ffmpeg prints); close() when done. */
  openMedia(name: string): Promise<{ url: string; inputArgs: string[]; close(): Promise<void> }>;
}

const isAbsent = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');

/** A file that is there but cannot be read (permissions, I/O) was not checked: an error (exit 1), not a missing output (exit 2). */
function unreadableOutput(file: string, error: unknown): MpegflowError {
  return cannotRead(file, error, {
    code: 'OUTPUT_UNREADABLE',
    suggestion: `check its permissions (\`ls -l\`): verify runs as ${currentUser()} and must read every output; nothing was found to differ`,
  });
}

/** Reads a local output; null when it is not there. */
async function readLocal<T>(file: string, read: (file: string) => Promise<T>): Promise<T | null> {
  try {
    if (!(await stat(file)).isFile()) return null;
    return await read(file);
  } catch (error) {
    if (isAbsent(error)) return null;
    throw unreadableOutput(file, error);
  }
}

function localReader(dir: string): Reader {
  return {
    where: (name) => outputPath(dir, name),
    readManifest: () => readLocal(outputPath(dir, MANIFEST_NAME), (file) => readFile(file)),
    hash: (name) => readLocal(outputPath(dir, name), hashFile),
    readText: (name) => readLocal(outputPath(dir, name), (file) => readFile(file, 'utf8')),
    openMedia: async (name) => ({ url: `file:${outputPath(dir, name)}`, inputArgs: [], close: async () => undefined }),
  };
}

function remoteReader(client: Client, destination: Extract<DestinationLocation, { kind: 'remote' }>): Reader {
  const { alias, bucket, prefix } = destination;
  const key = (name: string) => outputKey(prefix, name);
  const where = (name: string) => `${alias}/${bucket}/${key(name)}`;
  const guard = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await withRetry(fn);
    } catch (error) {
      throw storageFailure(error, { alias, path: where(name), action: 'read' });
    }
  };
  return {
    where,
    readManifest: () => guard(MANIFEST_NAME, () => readObject(client, bucket, key(MANIFEST_NAME))),
    hash: (name) => guard(name, () => hashObject(client, bucket, key(name))),
    readText: async (name) => (await guard(name, () => readObject(client, bucket, key(name))))?.toString('utf8') ?? null,
    async openMedia(name) {
      const relay = await openSourceRelay({ signer: signerOf(client), bucket, key: key(name) });
      return {
        url: relay.url,
        // a terabyte archive's re-read rides out a dropped connection or a node's 503, as an encode's does
        inputArgs: [...RELAY_INPUT_ARGS, ...reconnectArgs(10), ...ioTimeoutArgs(60)],
        close: () => relay.close(),
      };
    },
  };
}

async function checkFixity(
  reader: Reader,
  fixity: ManifestFixity,
  tools: Tools,
  signal: AbortSignal | undefined,
): Promise<{ frames: number; mismatches: number; problem: VerifyProblem | null }> {
  const sidecarText = await reader.readText(fixity.sidecar);
  if (sidecarText === null) return { frames: 0, mismatches: 0, problem: null }; // reported as missing already
  const expected = frameLines(sidecarText);
  const media = await reader.openMedia(fixity.media);
  const decodedLines: string[] = [];
  let run;
  try {
    run = await runTool({
      file: tools.ffmpeg,
      args: [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        ...media.inputArgs,
        // sidecars made with the lossless proof hash the picture as coded
        ...(fixity.args ? ['-noautorotate'] : []),
        '-i',
        media.url,
        ...(fixity.args ?? LEGACY_FIXITY_ARGS),
        '-f',
        'framemd5',
        'pipe:1',
      ],
      onStdoutLine: (line) => decodedLines.push(line),
      signal,
      secrets: [media.url],
    });
  } finally {
    await media.close();
  }
  if (run.aborted) throw cancelledError();
  const location = reader.where(fixity.media);
  const actual = frameLines(decodedLines.join('\n'));
  // ffmpeg also ends well, with frames missing, when a reconnect is refused
  if (run.exitCode !== 0 || actual.frames.length < expected.frames.length) {
    const unchecked = storageFailureDuringDecode(run.stderrTail, media.url, location);
    if (unchecked) throw unchecked;
  }
  if (run.exitCode !== 0) {
    return {
      frames: 0,
      mismatches: 0,
      problem: { name: fixity.media, location, problem: 'unreadable', message: `ffmpeg cannot decode it: ${lastLines(run.stderrTail, 3)}` },
    };
  }
  let mismatches = 0;
  let first = -1;
  const count = Math.max(expected.frames.length, actual.frames.length);
  for (let i = 0; i < count; i++) {
    if (expected.frames[i] !== actual.frames[i]) {
      mismatches++;
      if (first < 0) first = i;
    }
  }
  const headerDiffers = expected.header.join('\n') !== actual.header.join('\n');
  if (mismatches === 0 && !headerDiffers) return { frames: actual.frames.length, mismatches: 0, problem: null };
  const firstLine = first >= 0 ? (expected.frames[first] ?? actual.frames[first] ?? '') : '';
  const [stream, , pts] = firstLine.split(',').map((s) => s.trim());
  const message =
    mismatches > 0
      ? `${mismatches} of ${expected.frames.length} frame checksums differ from ${fixity.sidecar}` +
        (first >= 0 ? ` (first: stream ${stream ?? '?'}, pts ${pts ?? '?'}, line ${first + 1})` : '') +
        (expected.frames.length !== actual.frames.length
          ? `; ${actual.frames.length} frames decoded, ${expected.frames.length} recorded`
          : '')
      : `the stream layout differs from ${fixity.sidecar}`;
  return { frames: actual.frames.length, mismatches, problem: { name: fixity.media, location, problem: 'frames', message } };
}

/** Failures of ffmpeg reading from the storage, not of the media it read (see classifyFfmpegFailure). */
const STORAGE_READ_FAILURES = new Set(['SOURCE_READ_FAILED', 'SOURCE_ACCESS_DENIED']);

/**
 * An object whose size and sha256 were just found right that ffmpeg then
 * fails to read over the network was not checked, not found wrong: said as
 * an error (exit 1), not as a problem with the output (exit 2).
 */
function storageFailureDuringDecode(stderr: string, url: string, location: string): MpegflowError | null {
  if (!/^https?:/.test(url)) return null;
  const failure = classifyFfmpegFailure(stderr, 'ffmpeg -f framemd5', 'the frame check', true, '');
  if (!STORAGE_READ_FAILURES.has(failure.code)) return null;
  return new MpegflowError(
    `the frame check of ${location} could not run: ffmpeg could not read it from the storage (${lastLines(stderr, 1)})`,
    {
      code: 'FIXITY_UNCHECKED',
      retryable: true,
      suggestion: `${failure.suggestion}; nothing was found to differ`,
      cause: failure,
      details: failure.details,
    },
  );
}

/**
 * Re-reads every output a manifest lists and compares size and sha256; for
 * archive presets, also re-decodes the media and compares each frame's MD5
 * with the sidecar written at encode time. Never writes anything.
 */
export async function verifyDestination(options: VerifyOptions): Promise<VerifyResult> {
  const { destination, signal } = options;
  const now = options.now ?? (() => new Date());
  const tools = options.tools ?? defaultTools();
  const emit = safeListener(options.onProgress);
  let reader: Reader;
  if (destination.kind === 'local') reader = localReader(destination.path);
  else {
    if (!options.s3For) throw new MpegflowError(`no storage client for endpoint '${destination.alias}'`, { code: 'NO_S3_CLIENT' });
    reader = remoteReader(options.s3For(destination.alias), destination);
  }
  const manifestWhere = reader.where(MANIFEST_NAME);
  const data = await reader.readManifest();
  if (!data) {
    throw new MpegflowError(`there is no ${MANIFEST_NAME} at ${formatDestination(destination)}`, {
      code: 'MANIFEST_NOT_FOUND',
      suggestion: 'check the path; an encode that did not finish leaves no manifest (run it again)',
    });
  }
  const manifest = parseManifest(data, manifestWhere);
  emit({ type: 'stage', stage: 'verify', state: 'start', at: now(), detail: count(manifest.outputs.length, 'output') });
  const problems: VerifyProblem[] = [];
  let bytesChecked = 0;
  let checked = 0;
  const check = async (output: Manifest['outputs'][number]) => {
    if (signal?.aborted) throw cancelledError();
    const location = reader.where(output.name);
    const actual = await reader.hash(output.name);
    let ok = false;
    if (!actual) problems.push({ name: output.name, location, problem: 'missing', message: 'listed in the manifest but not found' });
    else if (actual.size !== output.size) {
      problems.push({
        name: output.name,
        location,
        problem: 'size',
        message: `${actual.size} bytes, the manifest records ${output.size}`,
      });
    } else if (actual.sha256 !== output.sha256) {
      problems.push({
        name: output.name,
        location,
        problem: 'checksum',
        message: `sha256 ${actual.sha256.slice(0, 16)}…, the manifest records ${output.sha256.slice(0, 16)}…`,
      });
    } else ok = true;
    bytesChecked += actual?.size ?? 0;
    emit({ type: 'verify', at: now(), object: output.name, checked: ++checked, total: manifest.outputs.length, ok });
  };
  await eachAtMost(manifest.outputs, options.concurrency ?? 4, check);
  let fixity: VerifyResult['fixity'] = null;
  if (manifest.fixity) {
    const mediaMissing = problems.some((p) => p.name === manifest.fixity!.media && p.problem === 'missing');
    emit({ type: 'stage', stage: 'fixity', state: mediaMissing ? 'skipped' : 'start', at: now(), detail: manifest.fixity.media });
    const result = mediaMissing ? { frames: 0, mismatches: 0, problem: null } : await checkFixity(reader, manifest.fixity, tools, signal);
    if (!mediaMissing) emit({ type: 'stage', stage: 'fixity', state: 'done', at: now(), detail: `${result.frames} frames` });
    if (result.problem) problems.push(result.problem);
    fixity = { media: manifest.fixity.media, sidecar: manifest.fixity.sidecar, frames: result.frames, mismatches: result.mismatches };
  }
  // renditions that are not as stored would score as something else: their problem is said already
  const quality =
    options.quality && problems.length === 0
      ? await recheckQuality({ manifest, destination, s3For: options.s3For, tools, signal, emit, now })
      : null;
  if (quality) problems.push(...qualityProblems(quality, manifest, reader));
  problems.sort((a, b) => a.name.localeCompare(b.name, 'en') || a.problem.localeCompare(b.problem));
  const retention = destination.kind === 'remote' ? await readRetentions(options.s3For!(destination.alias), destination, manifest) : null;
  emit({
    type: 'stage',
    stage: 'verify',
    state: 'done',
    at: now(),
    detail: problems.length === 0 ? 'all outputs match' : `${problems.length} problems`,
  });
  return {
    destination: formatDestination(destination),
    manifest: manifestWhere,
    preset: manifest.preset,
    source: manifest.source,
    createdAt: manifest.createdAt,
    ok: problems.length === 0,
    outputs: manifest.outputs.length,
    bytesChecked,
    fixity,
    problems,
    retention,
    quality,
  };
}

/** A rendition whose scores moved from the recorded ones, or that no longer passes its thresholds. */
function qualityProblems(recheck: QualityRecheck, manifest: Manifest, reader: Reader): VerifyProblem[] {
  return recheck.measured.renditions.flatMap((r) => {
    const difference = recheck.differences.find((d) => d.name === r.name)!;
    const recorded = manifest.quality!.renditions.find((x) => x.name === r.name)!;
    const moved = Math.abs(difference.ssim) > SSIM_AGREEMENT || Math.abs(difference.psnr) > PSNR_AGREEMENT;
    const messages = [
      ...(moved
        ? [
            `scores SSIM ${r.ssim.mean.toFixed(4)}, PSNR ${r.psnr.mean.toFixed(2)} dB; the manifest records ${recorded.ssim.mean.toFixed(4)}, ${recorded.psnr.mean.toFixed(2)} dB`,
          ]
        : []),
      ...r.below.map((b) => `below the gate: ${b}`),
    ];
    return messages.map((message) => ({ name: r.media, location: reader.where(r.media), problem: 'quality' as const, message }));
  });
}

/** Object Lock of every output and of the manifest, read only where the bucket has Object Lock. */
async function readRetentions(
  client: Client,
  destination: Extract<DestinationLocation, { kind: 'remote' }>,
  manifest: Manifest,
): Promise<VerifyResult['retention']> {
  if (!(await hasObjectLock(client, destination.bucket))) return { objectLock: false, objects: [] };
  const objects: ({ name: string } & ObjectRetention)[] = [];
  for (const name of [...manifest.outputs.map((o) => o.name), MANIFEST_NAME]) {
    const key = outputKey(destination.prefix, name);
    try {
      objects.push({ name, ...(await readRetention(client, destination.bucket, key)) });
    } catch (error) {
      throw storageFailure(error, { alias: destination.alias, path: `${destination.alias}/${destination.bucket}/${key}` });
    }
  }
  return { objectLock: true, objects };
}
