import { PRESET_KINDS, X264_SPEEDS, type PresetDefinition } from './preset-model.ts';

/**
 * A small validator for preset files: each rule checks one value and adds
 * "path: what is wrong" to the issue list, so one run reports every mistake
 * in a file. Unknown keys are refused (a typo must not be silently ignored).
 */
type Rule = (value: unknown, path: string, issues: string[]) => void;
interface Field {
  rule: Rule;
  optional?: boolean;
}

const describe = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'string'
        ? JSON.stringify(value)
        : typeof value === 'object'
          ? 'an object'
          : String(value);

const req = (rule: Rule): Field => ({ rule });
const opt = (rule: Rule): Field => ({ rule, optional: true });

const str =
  (pattern: RegExp, what: string): Rule =>
  (value, path, issues) => {
    if (typeof value !== 'string' || !pattern.test(value)) issues.push(`${path}: must be ${what} (got ${describe(value)})`);
  };

const num =
  (min: number, max: number, integer = false): Rule =>
  (value, path, issues) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      issues.push(`${path}: must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (got ${describe(value)})`);
    }
  };

const evenInt =
  (min: number, max: number): Rule =>
  (value, path, issues) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value % 2 !== 0 || value < min || value > max) {
      issues.push(`${path}: must be an even integer from ${min} to ${max} (got ${describe(value)})`);
    }
  };

const oneOf =
  (...allowed: readonly (string | number | boolean)[]): Rule =>
  (value, path, issues) => {
    if (!allowed.includes(value as string))
      issues.push(`${path}: must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')} (got ${describe(value)})`);
  };

const bool: Rule = (value, path, issues) => {
  if (typeof value !== 'boolean') issues.push(`${path}: must be true or false (got ${describe(value)})`);
};

/** A plain file or folder name: no separators, no leading dot, so an output can never leave its destination. */
export const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const outputName = (extension: string): Rule =>
  str(new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\.${extension}$`), `a plain file name ending in .${extension} (letters, digits, . _ -)`);

const bitrate = str(/^[1-9][0-9]*(\.[0-9]+)?[kM]?$/, 'a bitrate such as "2800k" or "5M"');

const object =
  (fields: Record<string, Field>): Rule =>
  (value, path, issues) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issues.push(`${path}: must be an object (got ${describe(value)})`);
      return;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!Object.hasOwn(fields, key)) issues.push(`${path}.${key}: unknown setting (allowed: ${Object.keys(fields).join(', ')})`);
    }
    for (const [key, field] of Object.entries(fields)) {
      if (record[key] === undefined) {
        if (!field.optional) issues.push(`${path}.${key}: missing`);
      } else field.rule(record[key], `${path}.${key}`, issues);
    }
  };

const array =
  (item: Rule, min: number, max: number): Rule =>
  (value, path, issues) => {
    if (!Array.isArray(value) || value.length < min || value.length > max) {
      issues.push(`${path}: must be a list of ${min} to ${max} entries (got ${describe(value)})`);
      return;
    }
    value.forEach((entry, i) => item(entry, `${path}[${i}]`, issues));
  };

const common = {
  name: req(str(SAFE_NAME, 'a name of letters, digits, . _ - (at most 64)')),
  description: req(str(/^.{1,300}$/s, 'a short description')),
  kind: req(oneOf(...PRESET_KINDS)),
};

const h264 = {
  codec: req(oneOf('libx264')),
  speed: req(oneOf(...X264_SPEEDS)),
  profile: req(oneOf('baseline', 'main', 'high')),
  pixelFormat: req(oneOf('yuv420p')),
  maxFrameRate: req(num(1, 240)),
  tune: opt(oneOf('film', 'animation', 'grain', 'fastdecode', 'zerolatency')),
};

const aac = {
  codec: req(oneOf('aac')),
  channels: req(oneOf(1, 2)),
  sampleRate: req(oneOf(44100, 48000)),
};

const shapes: Record<(typeof PRESET_KINDS)[number], Rule> = {
  hls: object({
    ...common,
    video: req(object(h264)),
    audio: req(object(aac)),
    segmentSeconds: req(num(1, 30)),
    renditions: req(
      array(
        object({
          name: req(str(SAFE_NAME, 'a folder name of letters, digits, . _ - (no slashes)')),
          height: req(evenInt(64, 4320)),
          videoBitrate: req(bitrate),
          maxRate: req(bitrate),
          bufSize: req(bitrate),
          audioBitrate: req(bitrate),
        }),
        1,
        10,
      ),
    ),
  }),
  mp4: object({
    ...common,
    output: req(outputName('mp4')),
    video: req(
      object({
        ...h264,
        maxHeight: req(evenInt(64, 4320)),
        crf: req(num(0, 51, true)),
        maxRate: opt(bitrate),
        bufSize: opt(bitrate),
        keyframeSeconds: req(num(0.1, 20)),
      }),
    ),
    audio: req(object({ ...aac, bitrate: req(bitrate) })),
  }),
  archive: object({
    ...common,
    output: req(outputName('mkv')),
    video: req(
      object({ codec: req(oneOf('ffv1')), level: req(oneOf(3)), slices: req(oneOf(4, 6, 9, 12, 16, 24, 30)), sliceCrc: req(bool) }),
    ),
    audio: req(object({ codec: req(oneOf('flac')) })),
    fixity: req(object({ format: req(oneOf('framemd5')), output: req(outputName('framemd5')) })),
  }),
  thumbnails: object({
    ...common,
    poster: req(
      object({
        output: req(outputName('jpg')),
        atPercent: req(num(0, 99)),
        maxHeight: req(evenInt(64, 4320)),
        quality: req(num(1, 31, true)),
      }),
    ),
    sprite: req(
      object({
        output: req(outputName('jpg')),
        index: req(outputName('vtt')),
        columns: req(num(1, 30, true)),
        rows: req(num(1, 30, true)),
        tileWidth: req(evenInt(32, 640)),
        minIntervalSeconds: req(num(0.1, 3600)),
        quality: req(num(1, 31, true)),
      }),
    ),
  }),
};

/** Semantic checks the shapes cannot express. */
function crossChecks(preset: PresetDefinition, issues: string[]): void {
  if (preset.kind === 'hls') {
    const names = preset.renditions.map((r) => r.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) issues.push(`renditions: the name "${dup}" is used twice`);
    for (let i = 1; i < preset.renditions.length; i++) {
      if (preset.renditions[i]!.height >= preset.renditions[i - 1]!.height) {
        issues.push(`renditions[${i}].height: rungs must be listed highest first, each lower than the one before`);
      }
    }
  }
  if (preset.kind === 'thumbnails' && preset.poster.output === preset.sprite.output) {
    issues.push('sprite.output: must differ from poster.output');
  }
}

/** Checks a parsed preset file; returns the list of problems (empty when valid). */
export function presetIssues(value: unknown): string[] {
  const issues: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`the preset must be a JSON object (got ${describe(value)})`];
  const kind = (value as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !(PRESET_KINDS as readonly string[]).includes(kind)) {
    return [`kind: must be one of ${PRESET_KINDS.map((k) => JSON.stringify(k)).join(', ')} (got ${describe(kind)})`];
  }
  shapes[kind as PresetDefinition['kind']](value, '', issues);
  const cleaned = issues.map((issue) => issue.replace(/^\./, ''));
  if (cleaned.length === 0) crossChecks(value as PresetDefinition, cleaned);
  return cleaned;
}
