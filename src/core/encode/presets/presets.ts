import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { closestNames } from '../../edit-distance.ts';
import { MpegflowError } from '../../errors.ts';
import { stateHome } from '../../store/paths.ts';
import { packageInfo } from '../../package-root.ts';
import { presetDefinition, SAFE_NAME, type Preset, type PresetDefinition, type PresetOrigin } from './preset-model.ts';
import { checkSchema } from '../../schema/issues.ts';
import { readUserFile } from '../../user-file.ts';

/** A preset is a few KB of JSON. */
const PRESET_FILE_MAX_BYTES = 1024 * 1024;

export const DEFAULT_PRESET = 'hls-h264';

/** The presets shipped with MpegFlow: `presets/` at the package root. */
export function builtinPresetDir(): string {
  return path.join(packageInfo().root, 'presets');
}

/** Where an operator drops their own presets: $MPEGFLOW_HOME/presets. */
export function userPresetDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateHome(env), 'presets');
}

/** Serializes with sorted keys so the same definition always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function presetHash(definition: PresetDefinition): string {
  return `sha256:${createHash('sha256').update(canonicalJson(definition)).digest('hex')}`;
}

function invalidPreset(file: string, problems: string[]): MpegflowError {
  return new MpegflowError(`the preset file ${file} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
    code: 'PRESET_INVALID',
    suggestion: 'fix the settings listed above; compare with a built-in preset (`mpegflow preset show hls-h264 --json`)',
    details: { file, problems },
  });
}

/** Reads and validates one preset file. */
export function loadPresetFile(file: string, origin: PresetOrigin): Preset {
  const text = readUserFile(file, {
    what: 'the preset file',
    maxBytes: PRESET_FILE_MAX_BYTES,
    suggestion: 'check the path given to --preset-file',
    code: 'PRESET_UNREADABLE',
    missingCode: 'PRESET_NOT_FOUND',
  }).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidPreset(file, [`not valid JSON: ${(error as Error).message}`]);
  }
  const checked = checkSchema(presetDefinition, value);
  if (!checked.ok) throw invalidPreset(file, checked.problems);
  const definition = checked.value;
  return { name: definition.name, origin, file, hash: presetHash(definition), definition };
}

export interface PresetCatalog {
  presets: Preset[];
  /** Files in the presets folders that could not be used, with the reason. */
  invalid: { file: string; problem: string }[];
}

const problemOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A preset file of the folder, checked: its name must be its file's. */
function loadNamedFile(full: string, origin: PresetOrigin): Preset {
  const preset = loadPresetFile(full, origin);
  if (preset.name !== path.basename(full, '.json'))
    throw invalidPreset(full, [`its name "${preset.name}" differs from the file name; rename one so they match`]);
  return preset;
}

function loadFolder(dir: string, origin: PresetOrigin, catalog: Map<string, Preset>, invalid: PresetCatalog['invalid']): void {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return; // no user presets folder: nothing to add
  }
  for (const file of files.sort()) {
    const full = path.join(dir, file);
    try {
      const preset = loadNamedFile(full, origin);
      catalog.set(preset.name, preset);
    } catch (error) {
      invalid.push({ file: full, problem: problemOf(error) });
    }
  }
}

export interface PresetSources {
  env?: NodeJS.ProcessEnv;
  builtinDir?: string;
  userDir?: string;
}

/** Built-in presets, then the user's presets folder (a user preset of the same name replaces the built-in). */
export function listPresets(sources: PresetSources = {}): PresetCatalog {
  const catalog = new Map<string, Preset>();
  const invalid: PresetCatalog['invalid'] = [];
  loadFolder(sources.builtinDir ?? builtinPresetDir(), 'built-in', catalog, invalid);
  loadFolder(sources.userDir ?? userPresetDir(sources.env), 'user', catalog, invalid);
  return { presets: [...catalog.values()].sort((a, b) => a.name.localeCompare(b.name)), invalid };
}

/**
 * The preset an encode asked for: `--preset-file` wins, else the named file
 * of the user's folder, else the built-in one. Only that file is read: an
 * operator's broken override is refused, not replaced by the built-in.
 */
export function resolvePreset(options: PresetSources & { name?: string; file?: string }): Preset {
  if (options.file) return loadPresetFile(path.resolve(options.file), 'file');
  const name = options.name ?? DEFAULT_PRESET;
  if (SAFE_NAME.test(name)) {
    const folders: [string, PresetOrigin][] = [
      [options.userDir ?? userPresetDir(options.env), 'user'],
      [options.builtinDir ?? builtinPresetDir(), 'built-in'],
    ];
    for (const [dir, origin] of folders) {
      const full = path.join(dir, `${name}.json`);
      if (!existsSync(full)) continue;
      try {
        return loadNamedFile(full, origin);
      } catch (error) {
        throw new MpegflowError(`the preset '${name}' (${full}) is not valid: ${problemOf(error)}`, {
          code: 'PRESET_INVALID',
          suggestion: `fix ${full}, or pick another preset (\`mpegflow preset list\`)`,
          cause: error,
        });
      }
    }
  }
  const names = listPresets(options).presets.map((p) => p.name);
  const close = closestNames(name, names);
  // a mistyped name is a usage error (exit 2), as a mistyped flag is
  throw new MpegflowError(`no preset named '${name}'`, {
    code: 'PRESET_NOT_FOUND',
    suggestion: `${close.length > 0 ? `did you mean ${close.map((n) => `'${n}'`).join(' or ')}? ` : ''}choose one of: ${names.join(', ')} (\`mpegflow preset list\`), or give a preset file of your own`,
  });
}
