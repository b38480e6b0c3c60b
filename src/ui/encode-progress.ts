import type { EncodeProgressEvent, ProgressListener } from '../core/encode/ffmpeg/progress.ts';
import { formatBytes, formatSeconds } from './format.ts';
import { count } from '../core/notation.ts';
import { describeDecision } from './source.ts';

/**
 * Progress of `encode` and `verify` on stderr: listr2 task lists on a
 * terminal, plain timestamped lines for cron and logs, nothing with --json
 * (unless --verbose). The core only emits typed events; this renders them.
 */

export type ProgressMode = 'tty' | 'plain' | 'quiet';

export function progressMode(options: { json: boolean; verbose: boolean; stderrIsTTY?: boolean; stdoutIsTTY?: boolean }): ProgressMode {
  if (options.json) return options.verbose ? 'plain' : 'quiet';
  // a terminal of unknown width (some pseudo-terminals) gets lines: task lists would wrap at every character
  const tty =
    (options.stderrIsTTY ?? (Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) > 20)) &&
    (options.stdoutIsTTY ?? Boolean(process.stdout.isTTY));
  return tty && !process.env.CI ? 'tty' : 'plain';
}

export interface ProgressLabels {
  source?: string;
  destination: string;
  /** `encode --force` into a bucket: the new encode is moved into place at the end (a task of its own). */
  replacing?: boolean;
}

export interface ProgressRenderer {
  listener: ProgressListener;
  /** Stops rendering; after an `error`, unfinished tasks end as not done (the error itself is said once, by the command). */
  finish(error?: unknown): Promise<void>;
}

function encodeFigures(event: Extract<EncodeProgressEvent, { type: 'encode' }>): string {
  const parts = [`${event.percent.toFixed(1)}%`];
  if (event.fps !== null && event.fps > 0) parts.push(`${Math.round(event.fps)} fps`);
  if (event.speed !== null) parts.push(`${event.speed.toFixed(2)}x`);
  if (event.etaSeconds !== null && event.percent < 100) parts.push(`ETA ${formatSeconds(event.etaSeconds)}`);
  if (event.attempt > 1) parts.push(`attempt ${event.attempt}`);
  return parts.join(' · ');
}

const QUALITY_TITLE = 'Quality gate (SSIM, PSNR against the source)';

/** One timestamped line per stage change; progress at most every `intervalMs` (and at 100 %). */
export function createPlainProgress(
  write: (line: string) => void,
  options: { intervalMs?: number; clock?: () => number } = {},
): ProgressRenderer {
  const interval = options.intervalMs ?? 5_000;
  const clock = options.clock ?? Date.now;
  const last = new Map<string, number>();
  const due = (key: string, force = false) => {
    const t = clock();
    if (!force && t - (last.get(key) ?? -Infinity) < interval) return false;
    last.set(key, t);
    return true;
  };
  const line = (at: Date, text: string) => write(`${at.toISOString()} ${text}\n`);
  const listener: ProgressListener = (event) => {
    switch (event.type) {
      case 'stage':
        line(event.at, `${event.stage}: ${event.state === 'start' ? 'started' : event.state}${event.detail ? ` (${event.detail})` : ''}`);
        break;
      case 'plan':
        line(
          event.at,
          `plan: ${event.preset}, ${event.renditions.map((r) => `${r.name} ${r.width}x${r.height}`).join(', ')}; ${event.durationSeconds.toFixed(2)} s of media`,
        );
        for (const decision of event.decisions) line(event.at, `plan: ${describeDecision(decision)}`);
        break;
      case 'encode':
        if (due(`encode:${event.stage}`, event.percent >= 100))
          line(event.at, `${event.stage} ${event.renditions.join(',')}: ${encodeFigures(event)}`);
        break;
      case 'quality':
        if (due('quality', event.percent >= 100))
          line(event.at, `quality ${event.renditions.join(',')}: ${event.percent.toFixed(1)}% scored`);
        break;
      case 'upload':
        if (due('upload'))
          line(
            event.at,
            `stored ${count(event.objectsUploaded, 'object')}, ${formatBytes(event.bytesUploaded)} sent (${event.done ? 'last' : 'uploading'}: ${event.object})`,
          );
        break;
      case 'publish':
        if (due('publish', event.moved === event.total)) line(event.at, `moved ${event.moved}/${event.total} outputs into place`);
        break;
      case 'verify':
        if (due('verify', event.checked === event.total || !event.ok))
          line(event.at, `verify: ${event.checked}/${event.total} checked${event.ok ? '' : `, MISMATCH ${event.object}`}`);
        break;
      case 'retry':
        line(event.at, `retry: attempt ${event.attempt}: ${event.reason}`);
        break;
      case 'warning':
        line(event.at, `warning: ${event.message}`);
        break;
    }
  };
  return { listener, finish: async () => undefined };
}

export function createQuietProgress(): ProgressRenderer {
  return { listener: () => undefined, finish: async () => undefined };
}

/** A promise opened from outside, for tasks driven by events. */
interface Gate {
  promise: Promise<void>;
  open: () => void;
  settled: boolean;
}
function gate(): Gate {
  let open!: () => void;
  const g = { settled: false } as Gate;
  g.promise = new Promise<void>((resolve) => (open = resolve));
  g.open = () => {
    g.settled = true;
    open();
  };
  return g;
}

interface TitleSetter {
  title: string | undefined;
  /** listr2's: the task ends as skipped, with this message. */
  skip?: (message?: string) => void;
}

/** listr2 task lists on stderr, driven by the encode's events. */
export async function createTtyProgress(kind: 'encode' | 'verify', labels: ProgressLabels): Promise<ProgressRenderer> {
  const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
  const gates = new Map<string, Gate>();
  const titles = new Map<string, TitleSetter>();
  const g = (key: string) => {
    let existing = gates.get(key);
    if (!existing) gates.set(key, (existing = gate()));
    return existing;
  };
  const setTitle = (key: string, title: string) => {
    const task = titles.get(key);
    if (task) task.title = title;
  };
  let plan: Extract<EncodeProgressEvent, { type: 'plan' }> | undefined;
  // said under the task list once it is done: lines written while it redraws would be drawn over
  const warnings: string[] = [];
  const treatment: string[] = [];
  let uploadTitle = `Store outputs in ${labels.destination}`;
  type Task = { title: string; task: (ctx: unknown, t: TitleSetter & { newListr: (...args: never[]) => unknown }) => Promise<unknown> };
  const waitTask = (key: string, title: string): Task => ({
    title,
    task: async (_ctx, t) => {
      titles.set(key, t);
      await g(key).promise;
    },
  });
  const tasks: Task[] =
    kind === 'encode'
      ? [
          waitTask('probe', `Probe ${labels.source ?? ''}`),
          {
            title: 'Encode',
            task: async (_ctx, t) => {
              titles.set('encode', t);
              await g('plan').promise;
              if (!plan) {
                t.title = 'Encode: nothing to do (already encoded)';
                return undefined;
              }
              const renditions = plan!.renditions.map((r) => waitTask(`rendition:${r.name}`, `${r.name} ${r.width}x${r.height}`));
              const fixity = plan!.stages.includes('fixity') ? [waitTask('fixity', 'Per-frame checksums (framemd5)')] : [];
              const quality = plan!.stages.includes('quality') ? [waitTask('quality', QUALITY_TITLE)] : [];
              return (t.newListr as unknown as (tasks: Task[], options: object) => unknown)([...renditions, ...fixity, ...quality], {
                concurrent: true,
                exitOnError: false,
              });
            },
          },
          waitTask('upload', uploadTitle),
          waitTask('manifest', labels.replacing ? 'Write manifest.json (staged)' : 'Write manifest.json (last)'),
          ...(labels.replacing ? [waitTask('publish', `Move into place in ${labels.destination}`)] : []),
        ]
      : [waitTask('verify', `Verify outputs in ${labels.destination}`)];
  const list = new Listr(
    tasks as never,
    {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      rendererOptions: {
        logger: new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(process.stderr, process.stderr) }),
        collapseSubtasks: false,
      },
    } as never,
  );
  const running = list.run().catch(() => undefined);

  const listener: ProgressListener = (event) => {
    switch (event.type) {
      case 'stage':
        onStage(event);
        break;
      case 'plan':
        plan = event;
        for (const decision of event.decisions) treatment.push(describeDecision(decision));
        g('plan').open();
        break;
      case 'encode':
        if (event.stage === 'fixity') setTitle('fixity', `Per-frame checksums (framemd5): ${encodeFigures(event)}`);
        else
          for (const name of event.renditions) setTitle(`rendition:${name}`, `${name} ${describeRendition(name)}: ${encodeFigures(event)}`);
        break;
      case 'quality':
        setTitle(kind === 'verify' ? 'verify' : 'quality', `${QUALITY_TITLE}: ${event.percent.toFixed(1)}%`);
        break;
      case 'upload':
        uploadTitle = `Store outputs in ${labels.destination}: ${count(event.objectsUploaded, 'object')}, ${formatBytes(event.bytesUploaded)}`;
        setTitle('upload', uploadTitle);
        break;
      case 'publish':
        setTitle('publish', `Move into place in ${labels.destination}: ${event.moved}/${event.total} outputs`);
        break;
      case 'verify':
        setTitle('verify', `Verify outputs in ${labels.destination}: ${event.checked}/${event.total} checked`);
        break;
      case 'retry':
        setTitle('encode', `Encode (retry ${event.attempt}: ${event.reason.split('\n')[0]})`);
        break;
      case 'warning':
        warnings.push(event.message);
        break;
      default:
        break;
    }
  };
  const onStage = (event: Extract<EncodeProgressEvent, { type: 'stage' }>) => {
    if (event.state === 'start') {
      if (kind === 'verify' && event.stage === 'fixity')
        setTitle('verify', `Re-decoding ${event.detail ?? ''} to compare per-frame checksums`);
      return;
    }
    if (event.stage === 'probe') {
      setTitle('probe', `Probe ${labels.source ?? ''}: ${event.detail ?? event.state}`);
      g('probe').open();
      if (event.state === 'skipped') for (const key of ['plan', 'upload', 'manifest']) g(key).open();
    } else if (event.stage === 'encode') {
      for (const r of plan?.renditions ?? []) g(`rendition:${r.name}`).open();
    } else if (event.stage === 'fixity') {
      if (kind === 'encode') g('fixity').open();
    } else if (event.stage === 'quality') {
      setTitle('quality', `${QUALITY_TITLE}: ${event.detail ?? 'done'}`);
      g('quality').open();
    } else if (event.stage === 'publish' && event.state === 'skipped') {
      setTitle('publish', `Move into place: ${event.detail ?? 'nothing to replace'}`);
      g('publish').open();
    } else if (event.stage === 'verify') {
      setTitle('verify', `Verify outputs in ${labels.destination}: ${event.detail ?? 'done'}`);
      g('verify').open();
    } else {
      g(event.stage).open();
    }
  };
  const describeRendition = (name: string) => {
    const r = plan?.renditions.find((x) => x.name === name);
    return r ? `${r.width}x${r.height}` : '';
  };
  return {
    listener,
    finish: async (error?: unknown) => {
      // tasks still waiting (or never reached) end with the run
      for (const key of ['probe', 'plan', 'upload', 'manifest', 'publish', 'verify', 'fixity']) g(key);
      // a failed or cancelled run: its tasks end as not done, and the reason is said once, by the error below
      for (const [key, entry] of gates) {
        if (entry.settled) continue;
        if (error) titles.get(key)?.skip?.('not done');
        entry.open();
      }
      await running;
      for (const message of treatment) process.stderr.write(`source: ${message}\n`);
      for (const message of warnings) process.stderr.write(`warning: ${message}\n`);
    },
  };
}

export async function createProgress(mode: ProgressMode, kind: 'encode' | 'verify', labels: ProgressLabels): Promise<ProgressRenderer> {
  if (mode === 'quiet') return createQuietProgress();
  if (mode === 'plain') return createPlainProgress((line) => process.stderr.write(line));
  return createTtyProgress(kind, labels);
}
